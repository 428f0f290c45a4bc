"""Correct, but not written like the reference."""

import torch


def _labels(input):
    if input.ndim == 2:
        return torch.max(input, dim=1).indices
    return input


def accuracy(input, target):
    predicted = _labels(input).tolist()
    correct = 0
    for guess, truth in zip(predicted, target.tolist(), strict=True):
        correct += int(guess == truth)
    return correct / len(predicted)


def binary_accuracy(input, target, threshold=0.5):
    return torch.eq(input > threshold, target.bool()).double().mean().item()


def confusion_matrix(input, target, num_classes=None):
    predicted = _labels(input)
    if num_classes is None:
        num_classes = input.shape[1] if input.ndim == 2 else int(torch.cat([predicted, target]).max()) + 1
    counts = torch.bincount(target * num_classes + predicted, minlength=num_classes**2)
    return counts.view(num_classes, num_classes)
