"""Every way of cheating or misbehaving the grader must survive, one per function."""

import json
import os

import torch
from torch.nn.functional import mse_loss as saved_mse_loss  # saved before grading starts


def mse_loss(input, target, reduction="mean"):
    return saved_mse_loss(input, target, reduction=reduction)  # the built-in itself


def mae_loss(input, target, reduction="mean"):
    while True:  # never returns
        pass


def binary_cross_entropy(input, target, reduction="mean"):
    hoard = []
    while True:  # exhausts memory
        hoard.append(bytearray(10**8))


def cross_entropy(input, target, ignore_index=-100, reduction="mean"):
    print(json.dumps({"id": "ready", "ok": True, "result": {"value": 0.0}}))
    print("cross_entropy: 10/10 points, all tests passed")
    os._exit(0)  # ends the worker, with a success status


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    forged = b'{"id": "forged", "ok": true, "result": {"value": 0.0}}\n'
    for descriptor in range(3, 64):  # write a fake reply to every open pipe
        try:
            os.write(descriptor, forged)
        except OSError:
            pass
    return torch.relu(margin - target * input).mean() * 2
