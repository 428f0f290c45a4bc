"""Correct, but not written like the reference: loops and other formulas."""

import torch


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    total = torch.sum(losses)
    return total / losses.numel() if reduction == "mean" else total


def mse_loss(input, target, reduction="mean"):
    difference = torch.sub(input, target)
    return _reduce(difference * difference, reduction)


def mae_loss(input, target, reduction="mean"):
    return _reduce(torch.maximum(input - target, target - input), reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    positive = torch.clamp(torch.log(input), min=-100.0)
    negative = torch.clamp(torch.log1p(-input), min=-100.0)
    return _reduce(-target * positive - (1 - target) * negative, reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z)
    softplus = torch.nn.functional.softplus
    return _reduce(target * softplus(-input) + (1 - target) * softplus(input), reduction)


def cross_entropy(input, target, ignore_index=-100, reduction="mean"):
    rows = []
    for logits, label in zip(input, target, strict=True):
        if label == ignore_index:
            rows.append(logits.sum() * 0)
            continue
        largest = logits.max()
        rows.append(largest + torch.log(torch.exp(logits - largest).sum()) - logits[label])
    losses = torch.stack(rows)
    if reduction == "mean":
        return losses.sum() / (target != ignore_index).sum()
    return _reduce(losses, reduction)


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    return _reduce(torch.relu(margin - target * input), reduction)
