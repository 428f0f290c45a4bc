"""Margin losses: a score must beat the wrong side (or every wrong class) by a margin.

The binary hinge loss of the support vector machine, on labels -1 and +1, and its
multi-class form, which compares the true class's score with every other class's.
"""

from __future__ import annotations

import torch

from lesson_pkg import validation
from lesson_pkg.losses._classes import _class_targets, _class_weight
from lesson_pkg.losses._reduction import get_enum, reduce
from lesson_pkg.validation import ArrayLike

__all__ = ["hinge_loss", "multi_margin_loss"]


def _check_plus_minus_one(target: torch.Tensor) -> None:
    """Raise ``ValueError`` unless every label is -1 or +1 (``|y|`` is 1 everywhere)."""
    if target.dtype == torch.bool:
        raise ValueError("target must hold the labels -1 and +1, got booleans")
    if target.numel() == 0:
        return
    smallest, largest = torch.aminmax(target.abs())
    if smallest != 1 or largest != 1:
        raise ValueError(
            f"target must hold the labels -1 and +1, got values {target.unique().tolist()[:5]}; "
            f"for 0/1 labels use 2 * target - 1"
        )


def hinge_loss(
    input: ArrayLike, target: ArrayLike, margin: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    """Binary hinge loss (the SVM loss); matches ``sklearn.metrics.hinge_loss``.

    With a score ``s_i`` and a label ``y_i`` of -1 or +1::

        loss_i = max(0, margin - y_i * s_i)

    A prediction on the right side by at least ``margin`` costs nothing; inside the
    margin or on the wrong side the cost grows linearly.

    Parameters
    ----------
    input : Tensor, any shape, floating point
        Scores (decision values).
    target : Tensor, the same shape, values -1 or +1 (integers or floats)
        Labels. 0/1 labels are an error: convert them with ``2 * y - 1``.
    margin : float
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> hinge_loss([2.0, 0.5, -1.0], [1, 1, 1], reduction="none")
    tensor([0.0000, 0.5000, 2.0000])
    """
    input = validation.as_float_tensor(input, "input")
    target = validation.as_tensor(target, "target")
    validation.check_same_shape(input, target, "input", "target")
    _check_plus_minus_one(target)
    margin = validation.check_real(margin, "margin")
    mode = get_enum(reduction)

    labels = target.to(input.dtype)  # exact: the values are -1 and +1
    # margin - labels * input in one pass: addcmul(a, b, c, value=v) is a + v * b * c
    shortfalls = torch.addcmul(input.new_tensor(margin), labels, input, value=-1)
    losses = shortfalls.relu_()  # relu(x) = max(0, x), here in place
    return reduce(losses, mode)


def multi_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    """Multi-class hinge loss; mirrors ``torch.nn.functional.multi_margin_loss``.

    The true class's score ``s_y`` should beat every other score by ``margin``; each
    class that comes closer costs the shortfall (squared when ``p=2``)::

        loss_i = sum_{c != y_i} w[y_i] * max(0, margin - s_{i,y_i} + s_{i,c}) ** p / C

    Parameters
    ----------
    input : Tensor (N, C), or (C,) / () for one sample, floating point
        Scores.
    target : Tensor (N,), or () / (1,) for one sample, int64
        Class indices in [0, C).
    p : {1, 2}
    margin : float
    weight : Tensor (C,), optional
        A weight per class, applied by each sample's true class.
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
    tensor(0.3250)
    """
    scores = validation.as_float_tensor(input, "input")
    if scores.dim() > 2:
        raise ValueError(f"input must have shape (N, C), (C,) or (), got {tuple(scores.shape)}")
    target = validation.as_tensor(target, "target")
    batch_scores = scores.reshape(1, -1) if scores.dim() < 2 else scores
    batch_size, num_classes = batch_scores.shape
    if target.dim() > 1 or target.numel() != batch_size:
        raise ValueError(
            f"input of shape {tuple(scores.shape)} needs {batch_size} class-index target(s) "
            f"of shape ({batch_size},), got {tuple(target.shape)}"
        )
    classes = _class_targets(target.reshape(batch_size), batch_scores, 1, ignore_index=None)
    validation.check_int(p, "p")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p}")
    margin = validation.check_real(margin, "margin")
    class_weight = None if weight is None else _class_weight(weight, batch_scores, 1)
    mode = get_enum(reduction)

    true_class = classes.unsqueeze(1)
    shortfalls = margin - batch_scores.gather(1, true_class) + batch_scores
    other_shortfalls = shortfalls.scatter(1, true_class, 0.0)  # c = y_i is not compared
    violations = torch.relu(other_shortfalls)  # max(0, shortfall)
    if p == 2:
        violations = violations.square()
    if class_weight is not None:
        violations = violations * class_weight[classes].unsqueeze(1)
    losses = violations.sum(1) / num_classes
    return reduce(losses.reshape(target.shape), mode)
