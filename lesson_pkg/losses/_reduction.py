"""``reduction``, decided once: every loss turns the string into a :class:`Reduction` first.

A loss computes one value per element, then ``reduction`` says what to return: "mean"
averages them, "sum" adds them up, "none" returns them all. :func:`get_enum` is the one
place the string is read and checked (as ``torch/nn/_reduction.py`` does); the helpers
below take the :class:`Reduction` it returns, so no loss compares strings.
"""

from __future__ import annotations

import enum

import torch

REDUCTIONS = ("mean", "sum", "none")


class Reduction(enum.Enum):
    """What a loss returns: the mean, the sum, or every per-element loss."""

    MEAN = "mean"
    SUM = "sum"
    NONE = "none"


def get_enum(reduction: object) -> Reduction:
    """The :class:`Reduction` named by ``reduction``; ``TypeError``/``ValueError`` otherwise.

    Examples
    --------
    >>> get_enum("sum")
    <Reduction.SUM: 'sum'>
    >>> get_enum("average")
    Traceback (most recent call last):
    ...
    ValueError: reduction must be one of ('mean', 'sum', 'none'), got 'average'
    """
    if not isinstance(reduction, str):
        raise TypeError(
            f"reduction must be a string, one of {REDUCTIONS}, got {type(reduction).__name__}"
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return Reduction(reduction)


def reduce(losses: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    """Average (MEAN), add up (SUM) or keep (NONE) the per-element losses."""
    if reduction is Reduction.MEAN:
        return losses.mean()
    if reduction is Reduction.SUM:
        return losses.sum()
    return losses


def reduce_products(
    first: torch.Tensor, second: torch.Tensor, reduction: Reduction
) -> torch.Tensor:
    """``reduce(first * second, reduction)``, the sum taken as a dot product.

    ``sum_i a_i * b_i`` is ``torch.dot(a, b)``: one pass that reads both tensors and
    writes no per-element products, which is what MEAN or SUM needs.
    """
    if reduction is Reduction.NONE:
        return first * second
    total = torch.dot(first.flatten(), second.flatten())
    return total / first.numel() if reduction is Reduction.MEAN else total


def reduce_backward(grad_loss: torch.Tensor, reduction: Reduction, count: float) -> torch.Tensor:
    """The gradient of :func:`reduce`: what each per-element loss receives.

    SUM passes ``grad_loss`` (a scalar) to every element, MEAN divides it by the ``count``
    it averaged over, and NONE already has one gradient per element.
    """
    return grad_loss / count if reduction is Reduction.MEAN else grad_loss
