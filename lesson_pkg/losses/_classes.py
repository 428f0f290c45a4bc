"""Class-index targets and per-class weights: what the multi-class losses share.

Shapes: the input is (C,) for one sample, (N, C) or (N, C, d1, ..., dk); its targets are
the input's shape without the class dimension.
"""

from __future__ import annotations

import torch

from lesson_pkg import validation
from lesson_pkg.losses._reduction import Reduction, reduce, reduce_backward
from lesson_pkg.validation import ArrayLike


def _class_dim(input: torch.Tensor) -> int:
    """The class dimension: 0 for one unbatched sample (C,), else 1 for (N, C, d1, ...)."""
    if input.dim() == 0:
        raise ValueError(
            "input must have a class dimension: shape (C,), (N, C) or (N, C, d1, ...), got a "
            "0-d tensor"
        )
    return 0 if input.dim() == 1 else 1


def _class_targets(
    target: ArrayLike, input: torch.Tensor, class_dim: int, ignore_index: int | None
) -> torch.Tensor:
    """Validate class-index targets against an input of shape (C,), (N, C) or (N, C, d1, ...)."""
    target = validation.as_tensor(target, "target")
    if target.dtype not in (torch.int64, torch.uint8):
        raise TypeError(
            f"class-index targets must be int64 (or uint8), got {target.dtype}; "
            f"convert with .long()"
        )
    expected = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"input of shape {tuple(input.shape)} needs class-index targets of shape "
            f"{tuple(expected)} (the input without its class dimension), "
            f"got {tuple(target.shape)}"
        )
    validation.check_class_targets(target, input.shape[class_dim], ignore_index)
    return target.long()


def _class_weight(weight: ArrayLike | None, input: torch.Tensor, class_dim: int) -> torch.Tensor:
    """Validate a per-class weight of shape (C,); all ones when ``weight`` is None."""
    num_classes = input.shape[class_dim]
    if weight is None:
        return torch.ones(num_classes, dtype=input.dtype, device=input.device)
    weight = validation.as_float_tensor(weight, "weight")
    validation.check_same_dtype(input, weight, "input", "weight")
    if weight.shape != (num_classes,):
        raise ValueError(
            f"weight must have one entry per class, shape ({num_classes},), "
            f"got {tuple(weight.shape)}"
        )
    return weight


def _class_index_weight(
    weight: ArrayLike | None, input: torch.Tensor, class_dim: int
) -> torch.Tensor | None:
    """Validate the per-class weight of a loss on class indices, which gets no gradient.

    As in torch, the loss is not differentiable with respect to ``weight``: a weight that
    requires grad is an error, not a gradient silently left out.
    """
    if weight is None:
        return None
    weight = _class_weight(weight, input, class_dim)
    if weight.requires_grad and torch.is_grad_enabled():
        raise ValueError(
            "weight requires grad, but the loss on class indices gives it no gradient "
            "(as in torch); pass weight.detach()"
        )
    return weight


def _along_class_dim(weight: torch.Tensor, class_dim: int, ndim: int) -> torch.Tensor:
    """Reshape a (C,) weight so that it broadcasts along the class dimension of the input."""
    shape = [1] * ndim
    shape[class_dim] = -1
    return weight.view(shape)


def _ignored(target: torch.Tensor, ignore_index: int) -> torch.Tensor | None:
    """Where ``target`` equals ``ignore_index``, or None where it never does.

    The targets' range settles the usual case in one pass: the default ``ignore_index``,
    -100, lies below every class, so no target can equal it unless one is negative.
    """
    if target.numel() == 0:
        return None
    smallest, largest = torch.aminmax(target)
    if not smallest <= ignore_index <= largest:
        return None
    ignored = target == ignore_index
    return ignored if ignored.any() else None


def _true_class_terms(
    log_probs: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None,
    ignore_index: int,
    class_dim: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per element: the class to index with, ``log_probs[i, y_i]`` and the weight ``w[y_i]``.

    An ignored target is replaced by class 0 (any valid class would do) so that it can
    index, and its log-probability and weight are set to 0. Without ``weight`` every
    weight is 1.
    """
    ignored = _ignored(target, ignore_index)
    classes = target if ignored is None else target.masked_fill(ignored, 0)
    true_log_probs = log_probs.gather(class_dim, classes.unsqueeze(class_dim)).squeeze(class_dim)
    sample_weight = torch.ones_like(true_log_probs) if weight is None else weight.take(classes)
    if ignored is not None:
        true_log_probs.masked_fill_(ignored, 0)
        sample_weight.masked_fill_(ignored, 0)
    return classes, true_log_probs, sample_weight


def _reduce_class_losses(
    ctx, losses: torch.Tensor, sample_weight: torch.Tensor, reduction: Reduction
) -> torch.Tensor:
    """Reduce class-index losses as torch does, keeping in ``ctx`` what the backward needs.

    MEAN divides by the total weight ``sum_i w[y_i]`` of the elements not ignored (the
    number of them, without weights); when all are ignored that is 0 / 0 = NaN, as in torch.
    """
    ctx.reduction = reduction
    mean = reduction is Reduction.MEAN
    ctx.total_weight = sample_weight.sum() if mean else 1.0
    if mean:
        return losses.sum() / ctx.total_weight
    return reduce(losses, reduction)


def _class_loss_scale(ctx, grad_loss: torch.Tensor, sample_weight: torch.Tensor) -> torch.Tensor:
    """What each element's gradient is multiplied by: the reduction's share times ``w[y_i]``."""
    return reduce_backward(grad_loss, ctx.reduction, ctx.total_weight) * sample_weight
