"""Losses on probabilities and logits: binary and categorical cross-entropy.

Binary cross-entropy scores a probability (or a logit, the stable form) of class 1;
cross-entropy scores the logits of C classes through the log-softmax, and the negative
log-likelihood picks the log-probability of the true class.
"""

from __future__ import annotations

import math

import torch

from lesson_pkg import validation
from lesson_pkg.losses._classes import (
    _along_class_dim,
    _class_dim,
    _class_index_weight,
    _class_loss_scale,
    _class_targets,
    _class_weight,
    _reduce_class_losses,
    _true_class_terms,
)
from lesson_pkg.losses._reduction import Reduction, get_enum, reduce
from lesson_pkg.losses._shared import elementwise_pair, first_derivative_only, optional_weight
from lesson_pkg.validation import ArrayLike

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "log_softmax",
    "nll_loss",
]

LOG_FLOOR = -100.0
"""torch clamps log(0) = -inf to -100, so a confident mistake costs 100, not infinity."""


def _binary_pair(
    input: ArrayLike, target: ArrayLike, reduction: str, input_is_probability: bool
) -> tuple[torch.Tensor, torch.Tensor, Reduction]:
    """Validate a binary loss's pair as an element-wise pair whose targets lie in [0, 1].

    With ``input_is_probability`` the predictions must lie in [0, 1] too (they are
    probabilities, not logits). Each range costs one pass over the data (``aminmax``).
    """
    input, target, mode = elementwise_pair(input, target, reduction)
    if input_is_probability:
        validation.check_in_range(input, "input (probabilities)", 0.0, 1.0)
    validation.check_in_range(target, "target", 0.0, 1.0)
    return input, target, mode


def _clamped_log(probabilities: torch.Tensor) -> torch.Tensor:
    """``log(p)`` floored at -100, as torch computes it inside binary cross-entropy.

    The outer clamp makes ``log(0)`` exactly -100 instead of ``-inf``. The inner one keeps
    the gradient finite when ``p`` is exactly 0: it lifts ``p`` to ``e^-101``, whose log is
    below the floor (``e^-100`` itself is too close to float32's smallest numbers for that).
    """
    return torch.log(probabilities.clamp(min=math.exp(LOG_FLOOR - 1))).clamp(min=LOG_FLOOR)


def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    """Binary cross-entropy on probabilities; mirrors ``F.binary_cross_entropy``.

    With the predicted probability ``p_i`` of class 1 and the target ``y_i`` in [0, 1]::

        loss_i = -w_i * (y_i * log(p_i) + (1 - y_i) * log(1 - p_i))

    The first term punishes a low ``p`` when ``y = 1``, the second a high ``p`` when
    ``y = 0``. Each log is floored at -100, as in torch. Where ``p`` is exactly 0 or 1 that
    floor has zero slope, so the gradient there is 0 (torch returns +-1e12 instead); use
    :func:`binary_cross_entropy_with_logits` on raw scores to avoid the issue entirely.

    Parameters
    ----------
    input : Tensor, any shape, floating point, values in [0, 1]
        Predicted probabilities (for example after ``torch.sigmoid``).
    target : Tensor, the same shape and dtype, values in [0, 1]
        0/1 labels, or soft labels.
    weight : Tensor, optional
        Rescales each element's loss; broadcasts to the input's shape.
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> binary_cross_entropy([0.9, 0.2], [1.0, 0.0])
    tensor(0.1643)
    """
    input, target, mode = _binary_pair(input, target, reduction, input_is_probability=True)
    weight = optional_weight(weight, input, "weight")

    losses = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        losses = losses * weight
    return reduce(losses, mode)


def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> torch.Tensor:
    """Binary cross-entropy on raw scores (logits); mirrors ``F.binary_cross_entropy_with_logits``.

    The same loss as :func:`binary_cross_entropy` of ``sigmoid(z)``, computed from the
    logit ``z`` directly so that it stays exact and finite for any ``z``::

        loss_i = -w_i * (pos_weight * y_i * log(sigmoid(z_i))
                         + (1 - y_i) * log(1 - sigmoid(z_i)))

    Since ``log(1 - sigmoid(z)) = log(sigmoid(z)) - z``, this simplifies to
    ``w_i * ((1 - y_i) * z_i - (1 + (pos_weight - 1) * y_i) * log(sigmoid(z_i)))``, and
    ``log(sigmoid(z)) = -log(1 + exp(-z))`` is computed without overflow. Without weights
    the gradient is the textbook ``sigmoid(z_i) - y_i``: predicted minus true probability.

    Parameters
    ----------
    input : Tensor, any shape, floating point
        Logits: any real numbers.
    target : Tensor, the same shape and dtype, values in [0, 1]
    weight : Tensor, optional
        Rescales each element's loss; broadcasts to the input's shape.
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor, optional
        Weight of the positive term, one per class along the last dimension (for example
        ``negatives / positives`` on an imbalanced set); broadcasts to the input's shape.

    Examples
    --------
    >>> binary_cross_entropy_with_logits([1000.0, -1000.0], [1.0, 1.0], reduction="none")
    tensor([   0., 1000.])
    """
    input, target, mode = _binary_pair(input, target, reduction, input_is_probability=False)
    weight = optional_weight(weight, input, "weight")
    pos_weight = optional_weight(pos_weight, input, "pos_weight")

    losses = _LogisticLoss.apply(input, target)  # (1 - y) * z - log(sigmoid(z))
    if pos_weight is not None:
        losses = losses - (pos_weight - 1) * target * torch.nn.functional.logsigmoid(input)
    if weight is not None:
        losses = losses * weight
    return reduce(losses, mode)


class _LogisticLoss(torch.autograd.Function):
    """``(1 - y) * z - log(sigmoid(z))`` per element, with the gradient ``sigmoid(z) - y``.

    ``log(sigmoid(z))`` comes from ``logsigmoid``, which never overflows. The backward is
    the textbook form for the logits (and ``-z`` for the targets), where autograd would go
    back through the log-sigmoid and the products. It runs once: a second derivative
    raises (see :func:`first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, logits, target):
        ctx.save_for_backward(logits, target)
        return (1 - target).mul_(logits).sub_(torch.nn.functional.logsigmoid(logits))

    @staticmethod
    @first_derivative_only
    def backward(ctx, grad_loss):
        logits, target = ctx.saved_tensors
        grad_logits = torch.sigmoid(logits).sub_(target).mul_(grad_loss)
        grad_target = -logits * grad_loss if ctx.needs_input_grad[1] else None
        return grad_logits, grad_target


def log_softmax(logits: ArrayLike, dim: int = -1) -> torch.Tensor:
    """Log of the softmax probabilities along ``dim``, computed without overflow.

    ``log softmax(z)_c = z_c - log(sum_j exp(z_j))``. The naive formula overflows:
    ``exp(1000)`` is ``inf`` in float32. ``torch.logsumexp`` subtracts the largest logit
    ``m`` first, ``log sum_j exp(z_j) = m + log sum_j exp(z_j - m)``, so every exponent is
    at most 0.

    Examples
    --------
    >>> log_softmax([1000.0, 0.0])
    tensor([    0., -1000.])
    """
    logits = validation.as_float_tensor(logits, "logits")
    validation.check_int(dim, "dim")
    return logits - torch.logsumexp(logits, dim=dim, keepdim=True)


def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative log-likelihood of the true class; mirrors ``torch.nn.functional.nll_loss``.

    Given log-probabilities (the output of :func:`log_softmax`), pick the one of the true
    class and negate it::

        loss_i = -w[y_i] * log_probs[i, y_i]        (0 where y_i == ignore_index)

    "mean" divides the sum by the total weight ``sum_i w[y_i]`` of the elements not
    ignored, so a batch in which every target is ignored gives NaN (0 / 0), as in torch.

    Parameters
    ----------
    input : Tensor (C,), (N, C) or (N, C, d1, ..., dk), floating point
        Log-probabilities.
    target : Tensor (), (N,) or (N, d1, ..., dk), int64
        Class indices in [0, C), or ``ignore_index``.
    weight : Tensor (C,), optional
        A weight per class (for example to count a rare class more).
    ignore_index : int
        Targets with this value add nothing to the loss or to the mean's denominator.
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> nll_loss(torch.log(torch.tensor([[0.5, 0.5], [0.9, 0.1]])), [0, 0])
    tensor(0.3993)
    """
    log_probs = validation.as_float_tensor(input, "input")
    class_dim = _class_dim(log_probs)
    target = _class_targets(target, log_probs, class_dim, ignore_index)
    weight = _class_index_weight(weight, log_probs, class_dim)
    mode = get_enum(reduction)
    return _NegativeLogLikelihood.apply(log_probs, target, weight, ignore_index, mode)


class _NegativeLogLikelihood(torch.autograd.Function):
    """``-w[y_i] * log_probs[i, y_i]``, reduced, with its gradient written out.

    Each element's loss reads one log-probability, that of its true class, so the gradient
    is ``-w[y_i]`` (times what the reduction passes down) at the true class and 0 at every
    other class: a tensor of zeros with one value scattered into each row. autograd would
    get there through the gather, the products and the masks. It runs once: a second
    derivative raises (see :func:`first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, log_probs, target, weight, ignore_index, reduction):
        ctx.class_dim, ctx.input_shape = _class_dim(log_probs), log_probs.shape
        classes, true_log_probs, sample_weight = _true_class_terms(
            log_probs, target, weight, ignore_index, ctx.class_dim
        )
        ctx.save_for_backward(classes, sample_weight)
        losses = -(sample_weight * true_log_probs)
        return _reduce_class_losses(ctx, losses, sample_weight, reduction)

    @staticmethod
    @first_derivative_only
    def backward(ctx, grad_loss):
        classes, sample_weight = ctx.saved_tensors
        scale = _class_loss_scale(ctx, grad_loss, sample_weight)
        grad_log_probs = sample_weight.new_zeros(ctx.input_shape).scatter_(
            ctx.class_dim, classes.unsqueeze(ctx.class_dim), -scale.unsqueeze(ctx.class_dim)
        )
        return grad_log_probs, None, None, None, None


def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Categorical cross-entropy from logits; mirrors ``torch.nn.functional.cross_entropy``.

    Softmax turns logits into probabilities; the loss is minus the log-probability given
    to the true class. Computed as ``nll_loss(log_softmax(logits), target)``, so that it
    stays finite for logits of +-1000 where ``log(softmax(z))`` would give ``log(0)``.

    Two kinds of target:

    - class indices, shape (), (N,) or (N, d1, ...), int64:
      ``loss_i = -w[y_i] * log_softmax(z_i)[y_i]``, with ``weight`` and ``ignore_index``
      exactly as in :func:`nll_loss`;
    - class probabilities, the input's shape, floating point:
      ``loss_i = -sum_c w_c * q_ic * log_softmax(z_i)_c``; "mean" divides by the number
      of samples (the weights do not enter the denominator), as in torch.

    ``label_smoothing = eps`` mixes the target with the uniform distribution:
    ``(1 - eps) * loss + eps * (loss against uniform 1/C targets)``.

    Parameters
    ----------
    input : Tensor (C,), (N, C) or (N, C, d1, ..., dk), floating point
        Logits: raw scores, one per class.
    target : Tensor
        Class indices or class probabilities, as above.
    weight : Tensor (C,), optional
    ignore_index : int
        Only for class-index targets.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1]

    Examples
    --------
    >>> cross_entropy(torch.tensor([[2.0, 0.5, 0.1]]), torch.tensor([0]))
    tensor(0.3168)
    >>> cross_entropy([1000.0, -1000.0], torch.tensor(1))
    tensor(2000.)
    """
    logits = validation.as_float_tensor(input, "input")
    class_dim = _class_dim(logits)
    label_smoothing = validation.check_real(label_smoothing, "label_smoothing", 0.0, 1.0)
    target = validation.as_tensor(target, "target")
    if target.is_floating_point():
        return _cross_entropy_with_probabilities(
            log_softmax(logits, dim=class_dim), target, weight, reduction, label_smoothing
        )
    target = _class_targets(target, logits, class_dim, ignore_index)
    weight = _class_index_weight(weight, logits, class_dim)
    mode = get_enum(reduction)
    if label_smoothing == 0.0:
        return _SoftmaxCrossEntropy.apply(logits, target, weight, ignore_index, mode)

    log_probs = log_softmax(logits, dim=class_dim)
    loss = _NegativeLogLikelihood.apply(log_probs, target, weight, ignore_index, mode)
    uniform_loss = _uniform_target_loss(log_probs, target, weight, ignore_index, mode)
    num_classes = logits.shape[class_dim]
    return (1 - label_smoothing) * loss + (label_smoothing / num_classes) * uniform_loss


class _SoftmaxCrossEntropy(torch.autograd.Function):
    """Cross-entropy on class indices, whose gradient is softmax minus one-hot.

    Forward: ``loss_i = -w[y_i] * log_softmax(z_i)[y_i]``, reduced as :func:`nll_loss`
    reduces. Backward: ``d loss_i / d z_i = w[y_i] * (softmax(z_i) - onehot(y_i))``, the
    probabilities the model gives minus those it should give. The log-probabilities are
    kept from the forward, so the backward is an ``exp``, a subtraction at the true
    classes and a scaling per sample. It runs once: a second derivative raises
    (see :func:`first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, reduction):
        ctx.class_dim = _class_dim(logits)
        log_probs = torch.log_softmax(logits, dim=ctx.class_dim)  # our log_softmax, fused
        classes, true_log_probs, sample_weight = _true_class_terms(
            log_probs, target, weight, ignore_index, ctx.class_dim
        )
        ctx.save_for_backward(log_probs, classes, sample_weight)
        losses = -(sample_weight * true_log_probs)
        return _reduce_class_losses(ctx, losses, sample_weight, reduction)

    @staticmethod
    @first_derivative_only
    def backward(ctx, grad_loss):
        log_probs, classes, sample_weight = ctx.saved_tensors
        scale = _class_loss_scale(ctx, grad_loss, sample_weight).unsqueeze(ctx.class_dim)
        true_class = classes.unsqueeze(ctx.class_dim)
        one_hot = torch.ones_like(true_class, dtype=log_probs.dtype)  # scattered at the classes
        softmax_minus_one_hot = log_probs.exp().scatter_add_(ctx.class_dim, true_class, -one_hot)
        return softmax_minus_one_hot.mul_(scale), None, None, None, None


def _uniform_target_loss(
    log_probs: torch.Tensor,
    target: torch.Tensor,
    weight: ArrayLike | None,
    ignore_index: int,
    reduction: Reduction,
) -> torch.Tensor:
    """``-sum_c w_c * log_probs_c`` per element: C times the loss against uniform targets.

    Normalised as :func:`nll_loss` normalises, so that the two mix like torch's smoothing.
    """
    class_dim = _class_dim(log_probs)
    weight = _class_weight(weight, log_probs, class_dim)
    ignored = target == ignore_index
    weighted = log_probs * _along_class_dim(weight, class_dim, log_probs.dim())
    losses = -weighted.sum(class_dim).masked_fill(ignored, 0)
    if reduction is Reduction.MEAN:
        return losses.sum() / weight[target.masked_fill(ignored, 0)].masked_fill(ignored, 0).sum()
    return reduce(losses, reduction)


def _cross_entropy_with_probabilities(
    log_probs: torch.Tensor,
    target: torch.Tensor,
    weight: ArrayLike | None,
    reduction: str,
    label_smoothing: float,
) -> torch.Tensor:
    """Cross-entropy against class-probability targets of the input's shape."""
    if target.shape != log_probs.shape:
        raise ValueError(
            f"class-probability targets must have the input's shape {tuple(log_probs.shape)}, "
            f"got {tuple(target.shape)}; class-index targets must be integers (.long())"
        )
    validation.check_same_dtype(log_probs, target, "input", "target")
    validation.check_in_range(target, "target (class probabilities)", 0.0, 1.0)
    class_dim = _class_dim(log_probs)
    weight = _class_weight(weight, log_probs, class_dim)
    mode = get_enum(reduction)

    num_classes = log_probs.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    weighted = log_probs * target * _along_class_dim(weight, class_dim, log_probs.dim())
    return reduce(-weighted.sum(class_dim), mode)
