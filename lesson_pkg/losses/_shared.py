"""What the loss families share: checking an element-wise pair and a weight, a backward."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from lesson_pkg import validation
from lesson_pkg.losses._reduction import Reduction, get_enum
from lesson_pkg.validation import ArrayLike


def first_derivative_only(backward: Callable) -> Callable:
    """Mark a hand-written ``backward`` as giving first derivatives only.

    Its formula is evaluated on numbers, not recorded by autograd, so a second derivative
    (``create_graph=True``, as in a gradient penalty) would silently miss its terms: it
    raises instead, and points to the ``torch.nn.functional`` twin, which supports it.
    """

    @functools.wraps(backward)
    def first_derivative(ctx, *grad_outputs):
        if torch.is_grad_enabled():  # autograd enables grad mode only for create_graph=True
            raise RuntimeError(
                "the lesson_pkg losses are differentiable once (their backward is written "
                "by hand); for a second derivative use the torch.nn.functional twin"
            )
        return backward(ctx, *grad_outputs)

    return first_derivative


def elementwise_pair(
    input: ArrayLike, target: ArrayLike, reduction: str
) -> tuple[torch.Tensor, torch.Tensor, Reduction]:
    """Validate an element-wise loss's arguments: floats of one shape and dtype, a reduction."""
    input = validation.as_float_tensor(input, "input")
    target = validation.as_float_tensor(target, "target")
    validation.check_same_shape(input, target, "input", "target")
    validation.check_same_dtype(input, target, "input", "target")
    return input, target, get_enum(reduction)


def optional_weight(
    weight: ArrayLike | None, input: torch.Tensor, name: str
) -> torch.Tensor | None:
    """Validate an element weight: floats of the input's dtype, broadcasting to its shape."""
    if weight is None:
        return None
    weight = validation.as_float_tensor(weight, name)
    validation.check_same_dtype(input, weight, "input", name)
    validation.check_broadcasts_to(weight, input.shape, name)
    return weight
