"""Loss functions, written from tensor operations so that each formula can be read.

A loss turns a batch of predictions and targets into one number that says how wrong the
predictions are; training lowers it by gradient descent. Each function here has the same
arguments, defaults, shapes and results as the ``torch.nn.functional`` function named in
its docstring, and is differentiable: ``loss.backward()`` gives the same gradients.
Where torch silently broadcasts or casts, these functions raise an error instead.

Shapes: N is the batch size, C the number of classes, d1, ..., dk optional extra
dimensions (the pixels of an image, the positions of a sequence).

Every loss takes ``reduction``: "mean" (the default) averages the per-element losses,
"sum" adds them up, "none" returns them all.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from lesson_pkg import validation
from lesson_pkg.validation import ArrayLike

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "huber_loss",
    "log_softmax",
    "mae_loss",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
]

LOG_FLOOR = -100.0
"""torch clamps log(0) = -inf to -100, so a confident mistake costs 100, not infinity."""


def _reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    """Average ("mean"), add up ("sum") or keep ("none") the per-element losses."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _first_derivative_only(backward: Callable) -> Callable:
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


def _reduce_products(first: torch.Tensor, second: torch.Tensor, reduction: str) -> torch.Tensor:
    """``_reduce(first * second, reduction)``, the sum taken as a dot product.

    ``sum_i a_i * b_i`` is ``torch.dot(a, b)``: one pass that reads both tensors and
    writes no per-element products, which is what a "mean" or "sum" needs.
    """
    if reduction == "none":
        return first * second
    total = torch.dot(first.flatten(), second.flatten())
    return total / first.numel() if reduction == "mean" else total


def _reduce_backward(grad_loss: torch.Tensor, reduction: str, count: float) -> torch.Tensor:
    """The gradient of :func:`_reduce`: what each per-element loss receives.

    "sum" passes ``grad_loss`` (a scalar) to every element, "mean" divides it by the
    ``count`` it averaged over, and "none" already has one gradient per element.
    """
    return grad_loss / count if reduction == "mean" else grad_loss


def _regression_pair(
    input: ArrayLike, target: ArrayLike, reduction: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate predictions and targets of a regression loss: floats, same shape and dtype."""
    input = validation.as_float_tensor(input, "input")
    target = validation.as_float_tensor(target, "target")
    validation.check_same_shape(input, target, "input", "target")
    validation.check_same_dtype(input, target, "input", "target")
    validation.check_reduction(reduction)
    return input, target


def _optional_weight(
    weight: ArrayLike | None, input: torch.Tensor, name: str
) -> torch.Tensor | None:
    """Validate an element weight: floats of the input's dtype, broadcasting to its shape."""
    if weight is None:
        return None
    weight = validation.as_float_tensor(weight, name)
    validation.check_same_dtype(input, weight, "input", name)
    validation.check_broadcasts_to(weight, input.shape, name)
    return weight


# --- Regression -----------------------------------------------------------------------


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
    input, target = _regression_pair(input, target, reduction)
    return _SquaredError.apply(input, target, reduction)


class _SquaredError(torch.autograd.Function):
    """``(input - target) ** 2``, reduced, with the textbook gradient ``2 * (input - target)``.

    autograd would differentiate ``error * error`` as a product rule (two products and a
    sum per element); this backward is one product. It runs once: a second derivative
    raises (see :func:`_first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, input, target, reduction):
        error = input - target
        ctx.save_for_backward(error)
        ctx.reduction = reduction
        return _reduce_products(error, error, reduction)

    @staticmethod
    @_first_derivative_only
    def backward(ctx, grad_loss):
        (error,) = ctx.saved_tensors
        grad_input = 2 * _reduce_backward(grad_loss, ctx.reduction, error.numel()) * error
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
    input, target = _regression_pair(input, target, reduction)
    return _reduce((input - target).abs(), reduction)


def huber_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", delta: float = 1.0
) -> torch.Tensor:
    """Huber loss: MSE near zero, MAE far out; mirrors ``torch.nn.functional.huber_loss``.

    With the error ``e_i = input_i - target_i``::

        loss_i = 0.5 * e_i ** 2                  if |e_i| < delta
                 delta * (|e_i| - 0.5 * delta)   otherwise

    The two pieces meet with the same value and slope at ``|e| = delta``. With the error
    clipped to ``g_i = clamp(e_i, -delta, delta)`` both pieces are one product,
    ``loss_i = g_i * (e_i - 0.5 * g_i)``, which is how it is computed here. The gradient
    is that clipped error ``g_i``: an outlier pulls no harder than ``delta``.

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
    input, target = _regression_pair(input, target, reduction)
    delta = validation.check_real(delta, "delta")
    if delta <= 0.0:
        raise ValueError(f"delta must be greater than 0, got {delta}")
    return _Huber.apply(input, target, reduction, delta)


class _Huber(torch.autograd.Function):
    """Huber loss, reduced, whose gradient is the clipped error ``clamp(e, -delta, delta)``.

    The clipped error is computed once in the forward and kept: the backward is one
    product, where autograd would go back through the clamp and the products. It runs
    once: a second derivative raises (see :func:`_first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, input, target, reduction, delta):
        error = input - target
        clipped = error.clamp(-delta, delta)
        ctx.save_for_backward(clipped)
        ctx.reduction = reduction
        error_minus_half_clipped = error.sub_(clipped, alpha=0.5)  # in place: error is done
        return _reduce_products(clipped, error_minus_half_clipped, reduction)

    @staticmethod
    @_first_derivative_only
    def backward(ctx, grad_loss):
        (clipped,) = ctx.saved_tensors
        grad_input = _reduce_backward(grad_loss, ctx.reduction, clipped.numel()) * clipped
        return grad_input, -grad_input if ctx.needs_input_grad[1] else None, None, None


# --- Binary classification ------------------------------------------------------------


def _binary_pair(
    input: ArrayLike, target: ArrayLike, reduction: str, input_is_probability: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a binary loss's pair as a regression pair whose targets lie in [0, 1].

    With ``input_is_probability`` the predictions must lie in [0, 1] too (they are
    probabilities, not logits). Each range costs one pass over the data (``aminmax``).
    """
    input, target = _regression_pair(input, target, reduction)
    if input_is_probability:
        validation.check_in_range(input, "input (probabilities)", 0.0, 1.0)
    validation.check_in_range(target, "target", 0.0, 1.0)
    return input, target


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
    input, target = _binary_pair(input, target, reduction, input_is_probability=True)
    weight = _optional_weight(weight, input, "weight")

    losses = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction)


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
    input, target = _binary_pair(input, target, reduction, input_is_probability=False)
    weight = _optional_weight(weight, input, "weight")
    pos_weight = _optional_weight(pos_weight, input, "pos_weight")

    losses = _LogisticLoss.apply(input, target)  # (1 - y) * z - log(sigmoid(z))
    if pos_weight is not None:
        losses = losses - (pos_weight - 1) * target * torch.nn.functional.logsigmoid(input)
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction)


class _LogisticLoss(torch.autograd.Function):
    """``(1 - y) * z - log(sigmoid(z))`` per element, with the gradient ``sigmoid(z) - y``.

    ``log(sigmoid(z))`` comes from ``logsigmoid``, which never overflows. The backward is
    the textbook form for the logits (and ``-z`` for the targets), where autograd would go
    back through the log-sigmoid and the products. It runs once: a second derivative
    raises (see :func:`_first_derivative_only`).
    """

    @staticmethod
    def forward(ctx, logits, target):
        ctx.save_for_backward(logits, target)
        return (1 - target).mul_(logits).sub_(torch.nn.functional.logsigmoid(logits))

    @staticmethod
    @_first_derivative_only
    def backward(ctx, grad_loss):
        logits, target = ctx.saved_tensors
        grad_logits = torch.sigmoid(logits).sub_(target).mul_(grad_loss)
        grad_target = -logits * grad_loss if ctx.needs_input_grad[1] else None
        return grad_logits, grad_target


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
    validation.check_reduction(reduction)

    labels = target.to(input.dtype)  # exact: the values are -1 and +1
    # margin - labels * input in one pass: addcmul(a, b, c, value=v) is a + v * b * c
    shortfalls = torch.addcmul(input.new_tensor(margin), labels, input, value=-1)
    losses = shortfalls.relu_()  # relu(x) = max(0, x), here in place
    return _reduce(losses, reduction)


# --- Multi-class classification -------------------------------------------------------


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
    validation.check_reduction(reduction)
    return _NegativeLogLikelihood.apply(log_probs, target, weight, ignore_index, reduction)


class _NegativeLogLikelihood(torch.autograd.Function):
    """``-w[y_i] * log_probs[i, y_i]``, reduced, with its gradient written out.

    Each element's loss reads one log-probability, that of its true class, so the gradient
    is ``-w[y_i]`` (times what the reduction passes down) at the true class and 0 at every
    other class: a tensor of zeros with one value scattered into each row. autograd would
    get there through the gather, the products and the masks. It runs once: a second
    derivative raises (see :func:`_first_derivative_only`).
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
    @_first_derivative_only
    def backward(ctx, grad_loss):
        classes, sample_weight = ctx.saved_tensors
        scale = _class_loss_scale(ctx, grad_loss, sample_weight)
        grad_log_probs = sample_weight.new_zeros(ctx.input_shape).scatter_(
            ctx.class_dim, classes.unsqueeze(ctx.class_dim), -scale.unsqueeze(ctx.class_dim)
        )
        return grad_log_probs, None, None, None, None


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
    ctx, losses: torch.Tensor, sample_weight: torch.Tensor, reduction: str
) -> torch.Tensor:
    """Reduce class-index losses as torch does, keeping in ``ctx`` what the backward needs.

    "mean" divides by the total weight ``sum_i w[y_i]`` of the elements not ignored (the
    number of them, without weights); when all are ignored that is 0 / 0 = NaN, as in torch.
    """
    ctx.reduction = reduction
    ctx.total_weight = sample_weight.sum() if reduction == "mean" else 1.0
    if reduction == "mean":
        return losses.sum() / ctx.total_weight
    return _reduce(losses, reduction)


def _class_loss_scale(ctx, grad_loss: torch.Tensor, sample_weight: torch.Tensor) -> torch.Tensor:
    """What each element's gradient is multiplied by: the reduction's share times ``w[y_i]``."""
    return _reduce_backward(grad_loss, ctx.reduction, ctx.total_weight) * sample_weight


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
    validation.check_reduction(reduction)
    if label_smoothing == 0.0:
        return _SoftmaxCrossEntropy.apply(logits, target, weight, ignore_index, reduction)

    log_probs = log_softmax(logits, dim=class_dim)
    loss = nll_loss(log_probs, target, weight, ignore_index, reduction)
    uniform_loss = _uniform_target_loss(log_probs, target, weight, ignore_index, reduction)
    num_classes = logits.shape[class_dim]
    return (1 - label_smoothing) * loss + (label_smoothing / num_classes) * uniform_loss


class _SoftmaxCrossEntropy(torch.autograd.Function):
    """Cross-entropy on class indices, whose gradient is softmax minus one-hot.

    Forward: ``loss_i = -w[y_i] * log_softmax(z_i)[y_i]``, reduced as :func:`nll_loss`
    reduces. Backward: ``d loss_i / d z_i = w[y_i] * (softmax(z_i) - onehot(y_i))``, the
    probabilities the model gives minus those it should give. The log-probabilities are
    kept from the forward, so the backward is an ``exp``, a subtraction at the true
    classes and a scaling per sample. It runs once: a second derivative raises
    (see :func:`_first_derivative_only`).
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
    @_first_derivative_only
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
    reduction: str,
) -> torch.Tensor:
    """``-sum_c w_c * log_probs_c`` per element: C times the loss against uniform targets.

    Normalised as :func:`nll_loss` normalises, so that the two mix like torch's smoothing.
    """
    class_dim = _class_dim(log_probs)
    weight = _class_weight(weight, log_probs, class_dim)
    ignored = target == ignore_index
    weighted = log_probs * _along_class_dim(weight, class_dim, log_probs.dim())
    losses = -weighted.sum(class_dim).masked_fill(ignored, 0)
    if reduction == "mean":
        return losses.sum() / weight[target.masked_fill(ignored, 0)].masked_fill(ignored, 0).sum()
    return _reduce(losses, reduction)


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
    validation.check_reduction(reduction)

    num_classes = log_probs.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    weighted = log_probs * target * _along_class_dim(weight, class_dim, log_probs.dim())
    return _reduce(-weighted.sum(class_dim), reduction)


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
    validation.check_reduction(reduction)

    true_class = classes.unsqueeze(1)
    shortfalls = margin - batch_scores.gather(1, true_class) + batch_scores
    other_shortfalls = shortfalls.scatter(1, true_class, 0.0)  # c = y_i is not compared
    violations = torch.relu(other_shortfalls)  # max(0, shortfall)
    if p == 2:
        violations = violations.square()
    if class_weight is not None:
        violations = violations * class_weight[classes].unsqueeze(1)
    losses = violations.sum(1) / num_classes
    return _reduce(losses.reshape(target.shape), reduction)
