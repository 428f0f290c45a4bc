"""Regression losses: how far a prediction is from a real-valued target.

MSE squares the error, MAE takes its size, Huber is MSE near zero and MAE far out.
"""

from __future__ import annotations

import torch

from lesson_pkg import validation
from lesson_pkg.losses._reduction import Reduction, reduce, reduce_backward, reduce_products
from lesson_pkg.losses._shared import elementwise_pair, first_derivative_only
from lesson_pkg.validation import ArrayLike

__all__ = ["huber_loss", "mae_loss", "mse_loss"]


def mse_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error; mirrors ``torch.nn.functional.mse_loss``.

    ``loss_i = (input_i - target_i) ** 2``. Squaring makes large errors count much more
    than small ones, so one outlier can dominate the mean.

    Parameters
    ----------
    input : Tensor, any shape, floating point
        Predictions.
    target : Tensor, the same shape and dtype as ``input``
        True values. A shape (N, 1) against (N,) is an error, not a broadcast.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        A scalar, or the shape of ``input`` when ``reduction="none"``.

    Examples
    --------
    >>> mse_loss(torch.tensor([3.0]), torch.tensor([2.0]))
    tensor(1.)
    >>> mse_loss([1.0, 2.0], [1.0, 4.0], reduction="none")
    tensor([0., 4.])
    """
    input, target, mode = elementwise_pair(input, target, reduction)
    return _SquaredError.apply(input, target, mode)


class _SquaredError(torch.autograd.Function):
    """``(input - target) ** 2``, reduced, with the textbook gradient ``2 * (input - target)``.

    autograd would differentiate ``error * error`` as a product rule (two products and a
    sum per element); this backward is one product. It runs once: a second derivative
    raises (see :func:`first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, input, target, reduction):
        error = input - target
        ctx.save_for_backward(error)
        ctx.reduction = reduction
        return reduce_products(error, error, reduction)

    @staticmethod
    @first_derivative_only
    def backward(ctx, grad_loss):
        (error,) = ctx.saved_tensors
        grad_input = 2 * reduce_backward(grad_loss, ctx.reduction, error.numel()) * error
        return grad_input, -grad_input if ctx.needs_input_grad[1] else None, None


def mae_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean") -> torch.Tensor:
    """Mean absolute error (L1 loss); mirrors ``torch.nn.functional.l1_loss``.

    ``loss_i = |input_i - target_i|``. Every unit of error costs the same, so an outlier
    pulls far less than under MSE; the gradient is the sign of the error (0 at 0).

    Shapes and ``reduction`` as in :func:`mse_loss`.

    Examples
    --------
    >>> mae_loss([1.0, 2.0], [1.0, 4.0])
    tensor(1.)
    """
    input, target, mode = elementwise_pair(input, target, reduction)
    return reduce((input - target).abs(), mode)


def huber_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", delta: float = 1.0
) -> torch.Tensor:
    """Huber loss: MSE near zero, MAE far out; mirrors ``torch.nn.functional.huber_loss``.

    With the error ``e_i = input_i - target_i``::

        loss_i = 0.5 * e_i ** 2                  if |e_i| < delta
                 delta * (|e_i| - 0.5 * delta)   otherwise

    The two pieces meet with the same value and slope at ``|e| = delta``. With the error
    clipped to ``g_i = clamp(e_i, -delta, delta)`` both pieces are one product,
    ``loss_i = g_i * (e_i - 0.5 * g_i)``, which is how it is computed here (their sum as
    ``g . e - 0.5 * g . g``, two dot products). The gradient is that clipped error
    ``g_i``: an outlier pulls no harder than ``delta``.

    Parameters
    ----------
    input, target, reduction
        As in :func:`mse_loss`.
    delta : float > 0
        Where the loss turns from quadratic to linear.

    Examples
    --------
    >>> huber_loss([0.5, 3.0], [0.0, 0.0], reduction="none")
    tensor([0.1250, 2.5000])
    """
    input, target, mode = elementwise_pair(input, target, reduction)
    delta = validation.check_real(delta, "delta")
    if delta <= 0.0:
        raise ValueError(f"delta must be greater than 0, got {delta}")
    return _Huber.apply(input, target, mode, delta)


class _Huber(torch.autograd.Function):
    """Huber loss, reduced, whose gradient is the clipped error ``clamp(e, -delta, delta)``.

    The clipped error is computed once in the forward and kept: the backward is one
    product, where autograd would go back through the clamp and the products. It runs
    once: a second derivative raises (see :func:`first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, input, target, reduction, delta):
        error = input - target
        clipped = error.clamp(-delta, delta)
        ctx.save_for_backward(clipped)
        ctx.reduction = reduction
        if reduction is Reduction.NONE:
            return clipped * error.sub_(clipped, alpha=0.5)  # in place: error is done
        # sum_i g_i * (e_i - g_i / 2) = g . e - (g . g) / 2: two dot products, which read
        # the tensors and write no per-element losses
        products = reduce_products(clipped, error, reduction)
        return products - 0.5 * reduce_products(clipped, clipped, reduction)

    @staticmethod
    @first_derivative_only
    def backward(ctx, grad_loss):
        (clipped,) = ctx.saved_tensors
        grad_input = reduce_backward(grad_loss, ctx.reduction, clipped.numel()) * clipped
        return grad_input, -grad_input if ctx.needs_input_grad[1] else None, None, None
