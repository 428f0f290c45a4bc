"""Exercise 1: write the loss functions yourself.

Each function below has the same name as its reference in ``lesson_pkg.losses`` (and
its twin in ``torch.nn.functional``), a subset of its arguments (the reference's extra
options, such as ``weight``, are left out), and the same result. Build it from tensor
operations (``+``, ``*``, ``.abs()``, ``torch.log``, ``torch.logsumexp``, ``.mean()``, ...);
calling the built-in loss you are asked to write earns no points.

Check one function in a notebook with ``check("mse_loss")`` (from ``lesson_pkg.checks``),
or grade every exercise with ``make grade`` (``lesson grade``).
"""

import torch


def mse_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error: the average of the squared differences.

    ``loss_i = (input_i - target_i) ** 2`` for every element, then reduced: "mean"
    averages all ``input.numel()`` values (every element of every dimension, not the
    batch size), "sum" adds them up, "none" returns them all (the shape of ``input``).

    Shapes: ``input`` and ``target`` have the same shape, any shape. Do not change
    ``input`` or ``target`` in place (the grader checks).

    Example: ``mse_loss(torch.tensor([3.0]), torch.tensor([2.0]))`` is ``tensor(1.)`` (no
    ``1/2`` factor: that convention belongs to Huber's quadratic part, not to MSE).

    Hint: compute the per-element losses first, then apply the reduction.
    """
    ### BEGIN SOLUTION
    squared_errors = (input - target) ** 2
    if reduction == "mean":
        return squared_errors.mean()
    if reduction == "sum":
        return squared_errors.sum()
    return squared_errors
    ### END SOLUTION


def mae_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Mean absolute error (L1 loss): the average of the absolute differences.

    ``loss_i = |input_i - target_i|``, then reduced as in :func:`mse_loss`.

    Shapes: ``input`` and ``target`` have the same shape, any shape (a 0-d tensor too).

    Example: ``mae_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 5.0]))`` is
    ``tensor(1.5000)``: the errors are 0 and 3 (squared, they would average 4.5).

    Hint: ``.abs()`` gives ``|x|`` (do not square it); the reduction is the one you wrote
    for ``mse_loss``.
    """
    ### BEGIN SOLUTION
    absolute_errors = (input - target).abs()
    if reduction == "mean":
        return absolute_errors.mean()
    if reduction == "sum":
        return absolute_errors.sum()
    return absolute_errors
    ### END SOLUTION


def binary_cross_entropy(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Binary cross-entropy of predicted probabilities ``p`` against 0/1 targets ``y``.

    ``loss_i = -(y_i * log(p_i) + (1 - y_i) * log(1 - p_i))``, then reduced.

    As torch does, floor each log at -100 so that ``log(0)`` costs 100, not infinity:
    ``torch.log(p).clamp(min=-100)``.

    Shapes: ``input`` (probabilities in [0, 1]) and ``target`` have the same shape.

    Example: ``binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]))``
    is ``tensor(0.1643)``.

    Hint: both terms matter; the second one is what punishes a high ``p`` when ``y = 0``.
    """
    ### BEGIN SOLUTION
    log_p = torch.log(input).clamp(min=-100)
    log_not_p = torch.log(1 - input).clamp(min=-100)
    losses = -(target * log_p + (1 - target) * log_not_p)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses
    ### END SOLUTION


def binary_cross_entropy_with_logits(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Binary cross-entropy from logits ``z`` (scores before the sigmoid), 0/1 targets ``y``.

    Mathematically it is :func:`binary_cross_entropy` of ``p = sigmoid(z)``:
    ``loss_i = -(y_i * log(sigmoid(z_i)) + (1 - y_i) * log(1 - sigmoid(z_i)))``.
    Computed that way it breaks for large logits: in float32, ``sigmoid(-200)`` is
    exactly 0, and ``log(0)`` is ``-inf``. Rewritten without the sigmoid, since
    ``-log(sigmoid(z)) = log(1 + exp(-z))`` and ``-log(1 - sigmoid(z)) = log(1 + exp(z))``:

    ``loss_i = y_i * log(1 + exp(-z_i)) + (1 - y_i) * log(1 + exp(z_i))``

    then reduced as in :func:`mse_loss`. ``exp`` overflows for a large argument, so
    compute each ``log(1 + exp(x))`` as ``log(exp(0) + exp(x))``, which
    ``torch.logaddexp`` does without overflow, and accurately when the result is tiny.
    Its gradient is ``sigmoid(z_i) - y_i``: predicted minus true.

    Shapes: ``input`` (logits, any real numbers) and ``target`` (0 or 1) have the same
    shape, any shape. Do not change ``input`` or ``target`` in place (the grader checks).

    Example: ``binary_cross_entropy_with_logits(torch.tensor([2.0, -1.0]),
    torch.tensor([1.0, 0.0]))`` is ``tensor(0.2201)``; a confident mistake, a logit of
    -1000 for a 1, costs 1000.

    Hint: ``torch.logaddexp(torch.zeros_like(z), x)`` is ``log(1 + exp(x))`` for any
    ``x``: use it with ``x = -z`` and with ``x = z``. The one-line form
    ``log(1 + exp(z)) - z * y`` is the same loss, but for ``y = 1`` it subtracts ``z``
    from ``z + exp(-z)``, and float32 can only return a multiple of its spacing near
    ``z`` (about ``1e-6`` from 8 to 16): the loss loses digits as ``z`` grows (7 % off
    at 12, 15 % at 14) and all of them from ``z`` about 15, where it rounds to exactly
    0 while the loss is still ``3e-7``: confident right answers lose their small loss.
    ``max(z, 0) + log(1 + exp(-|z|))`` has kinks at ``z = 0`` (where a zero-initialised
    model starts): with ``clamp`` or ``relu`` for the max, autograd's gradient there is
    ``1 - y`` or ``-y`` instead of ``0.5 - y``.
    """
    ### BEGIN SOLUTION
    zeros = torch.zeros_like(input)
    losses = target * torch.logaddexp(zeros, -input) + (1 - target) * torch.logaddexp(zeros, input)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses
    ### END SOLUTION


def cross_entropy(
    input: torch.Tensor, target: torch.Tensor, ignore_index: int = -100, reduction: str = "mean"
) -> torch.Tensor:
    """Categorical cross-entropy from logits, with class-index targets.

    ``loss_i = -log softmax(z_i)[y_i] = -z_i[y_i] + log(sum_c exp(z_i[c]))``, then reduced.
    A target equal to ``ignore_index`` adds 0 to the loss, and "mean" divides by the number
    of targets that are not ignored (all ignored: NaN, 0/0, as in torch).

    Shapes: ``input`` (N, C) logits; ``target`` (N,) class indices (int64) in [0, C), or
    ``ignore_index``. Do not change ``input`` or ``target`` in place (the grader checks).

    Example: ``cross_entropy(torch.tensor([[2.0, 0.5, 0.1]]), torch.tensor([0]))`` is
    ``tensor(0.3168)``.

    Hints: ``torch.log(torch.softmax(...))`` fails for logits of ±1000: the softmax of a
    class far below the largest underflows to exactly 0, and its log is ``-inf``. Use
    ``z - torch.logsumexp(z, dim=1, keepdim=True)``, which stays finite (``keepdim=True``
    keeps the shape (N, 1), so that each row subtracts its own log-sum-exp). Pick the true
    class's entry of each row with ``.gather(1, target.unsqueeze(1))`` or
    ``tensor[torch.arange(N), target]``; an ignored target (-100 by default) is not a
    valid index, so first replace it by any real class (``torch.where(kept, target, 0)``,
    with ``kept = target != ignore_index``), then multiply its loss by ``kept`` (0) and
    divide the sum by ``kept.sum()`` for the mean.
    """
    ### BEGIN SOLUTION
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs.gather(1, classes.unsqueeze(1)).squeeze(1) * kept
    if reduction == "mean":
        return losses.sum() / kept.sum()
    if reduction == "sum":
        return losses.sum()
    return losses
    ### END SOLUTION


def hinge_loss(
    input: torch.Tensor, target: torch.Tensor, margin: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    """Binary hinge loss (the SVM loss) of scores against labels -1 / +1.

    ``loss_i = max(0, margin - y_i * s_i)``, then reduced.

    Shapes: ``input`` (scores) and ``target`` (labels -1 or +1) have the same shape, any
    shape (a 0-d tensor too).

    Example: ``hinge_loss(torch.tensor([2.0, 0.5, -1.0]), torch.tensor([1.0, 1.0, 1.0]),
    reduction="none")`` is ``tensor([0.0000, 0.5000, 2.0000])``.

    Hint: ``max(0, x)`` is ``x.clamp(min=0)``; a margin ``y * s`` beyond ``margin`` costs 0.
    Use the ``margin`` argument (the grader tries 0.5 and 2), not a fixed 1.
    """
    ### BEGIN SOLUTION
    losses = torch.clamp(margin - target * input, min=0)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses
    ### END SOLUTION
