"""A syntax error: the file cannot be imported."""

import torch


def mse_loss(input, target, reduction="mean")
    return ((input - target) ** 2).mean()
