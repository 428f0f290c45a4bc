"""Argument checks shared by every public function of ``lesson_pkg``.

Each public function validates its arguments first, through these helpers, so that a
mistake is reported where it is made, saying what was expected and what was received.
Nothing is broadcast, clipped or cast silently: lists and numpy arrays become tensors
(that is documented), and everything else that does not fit is an error.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import torch

ArrayLike = torch.Tensor | np.ndarray | Sequence[float] | float
"""What the public functions accept: a tensor, or something ``torch.as_tensor`` converts."""


def as_tensor(value: object, name: str) -> torch.Tensor:
    """Return ``value`` as a tensor: tensors unchanged, lists and numpy arrays converted.

    >>> as_tensor([1.0, 2.0], "input")
    tensor([1., 2.])
    """
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, bool | str | bytes | None) or not isinstance(
        value, np.ndarray | np.generic | Sequence | numbers.Real
    ):
        raise TypeError(
            f"{name} must be a torch.Tensor, a numpy array or a list of numbers, "
            f"got {type(value).__name__}"
        )
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"{name} could not be turned into a tensor: {error}") from None


def as_float_tensor(value: object, name: str) -> torch.Tensor:
    """Return ``value`` as a tensor and check that it holds floating-point numbers."""
    tensor = as_tensor(value, name)
    if not tensor.is_floating_point():
        raise TypeError(
            f"{name} must hold floating-point numbers (float32 or float64), got {tensor.dtype}; "
            f"write the numbers with a decimal point (1.0, not 1) or convert with .float()"
        )
    return tensor


def as_label_tensor(value: object, name: str) -> torch.Tensor:
    """Return ``value`` as a tensor of class labels: integers, none negative."""
    tensor = as_tensor(value, name)
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(
            f"{name} must hold integer class labels (0, 1, 2, ...), got {tensor.dtype}; "
            f"convert with .long() if the values are whole numbers"
        )
    if tensor.numel() and tensor.min() < 0:
        raise ValueError(
            f"{name} must hold class labels 0, 1, 2, ..., got the negative label "
            f"{tensor.min().item()}"
        )
    return tensor


def check_same_shape(
    first: torch.Tensor, second: torch.Tensor, first_name: str, second_name: str
) -> None:
    """Raise ``ValueError`` unless both tensors have exactly the same shape."""
    if first.shape == second.shape:
        return
    message = (
        f"{first_name} and {second_name} must have the same shape, got "
        f"{tuple(first.shape)} and {tuple(second.shape)}; nothing is broadcast"
    )
    if first.squeeze().shape == second.squeeze().shape:
        message += f" (a model with one output returns (N, 1): try {first_name}.squeeze(-1))"
    raise ValueError(message)


def check_same_dtype(
    first: torch.Tensor, second: torch.Tensor, first_name: str, second_name: str
) -> None:
    """Raise ``TypeError`` unless both tensors have the same dtype."""
    if first.dtype != second.dtype:
        raise TypeError(
            f"{first_name} and {second_name} must have the same dtype, got {first.dtype} and "
            f"{second.dtype}; nothing is cast silently, so convert one with "
            f".to({first_name}.dtype)"
        )


def check_in_range(tensor: torch.Tensor, name: str, low: float, high: float) -> None:
    """Raise ``ValueError`` if any value of ``tensor`` lies outside ``[low, high]``."""
    if tensor.numel() == 0:
        return
    smallest, largest = torch.aminmax(tensor.detach())
    if smallest < low or largest > high:
        raise ValueError(
            f"{name} must lie in [{low}, {high}], got values from {smallest.item():.4g} "
            f"to {largest.item():.4g}"
        )


def check_class_targets(
    target: torch.Tensor, num_classes: int, ignore_index: int | None = None
) -> None:
    """Raise ``ValueError`` unless every target is a class in ``[0, num_classes)``.

    A target equal to ``ignore_index`` is allowed: it marks an element to skip.
    """
    if target.numel() == 0:
        return
    smallest, largest = torch.aminmax(target)
    if smallest >= 0 and largest < num_classes:
        return  # the usual case, settled in one pass over the targets
    outside = (target < 0) | (target >= num_classes)
    if ignore_index is not None:
        outside &= target != ignore_index
    if outside.any():
        skip = "" if ignore_index is None else f" or ignore_index={ignore_index}"
        raise ValueError(
            f"target must hold class indices in [0, {num_classes - 1}]{skip} for "
            f"{num_classes} classes, got {target[outside][0].item()}"
        )


def check_broadcasts_to(tensor: torch.Tensor, shape: torch.Size, name: str) -> None:
    """Raise ``ValueError`` unless ``tensor`` broadcasts to ``shape`` without growing it."""
    try:
        grown = torch.broadcast_shapes(tensor.shape, shape)
    except RuntimeError:
        grown = None
    if grown != shape:
        raise ValueError(
            f"{name} of shape {tuple(tensor.shape)} does not broadcast to the input's shape "
            f"{tuple(shape)}"
        )


def check_int(value: object, name: str, minimum: int | None = None) -> int:
    """Return ``value`` if it is an integer (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_real(value: object, name: str, low: float = -np.inf, high: float = np.inf) -> float:
    """Return ``value`` as a float if it is a real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not low <= float(value) <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value}")
    return float(value)
