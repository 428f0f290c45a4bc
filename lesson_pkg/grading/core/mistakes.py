"""The classic mistakes, one wrong implementation each, and the hint that names it.

One list serves two purposes. When a submission's result is wrong, the grader runs each
known mistake on the same inputs; if the submission's result equals one of them, the
message names the mistake, as a teaching assistant would. And the test suite grades
each mistake as if it were a submission, to prove that every one of them loses points.

Each implementation has the exercise's signature and uses only ``torch`` and ``math``,
so that its source can be written into a submission file as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation of ``function`` and the hint a student should read."""

    function: str
    hint: str
    implementation: Callable

    @property
    def id(self) -> str:
        """A stable name for reports: the wrong implementation's own name."""
        return self.implementation.__name__


# --- ex01_losses ---------------------------------------------------------------------


def mse_sum_instead_of_mean(input, target, reduction="mean"):
    losses = (input - target) ** 2
    return losses if reduction == "none" else losses.sum()


def mse_root_mean_square(input, target, reduction="mean"):
    losses = (input - target) ** 2
    if reduction == "none":
        return losses
    return losses.mean().sqrt() if reduction == "mean" else losses.sum().sqrt()


def mse_not_squared(input, target, reduction="mean"):
    losses = input - target
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def mse_mean_over_batch(input, target, reduction="mean"):
    losses = (input - target) ** 2
    if reduction == "none":
        return losses
    return losses.sum() / len(input) if reduction == "mean" else losses.sum()


def mse_ignores_reduction(input, target, reduction="mean"):
    return ((input - target) ** 2).mean()


def mae_mean_over_batch(input, target, reduction="mean"):
    losses = (input - target).abs()
    if reduction == "none":
        return losses
    return losses.sum() / len(input) if reduction == "mean" else losses.sum()


def mae_ignores_reduction(input, target, reduction="mean"):
    return (input - target).abs().mean()


def mae_sum_instead_of_mean(input, target, reduction="mean"):
    losses = (input - target).abs()
    return losses if reduction == "none" else losses.sum()


def mae_without_abs(input, target, reduction="mean"):
    losses = input - target
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_missing_negative_term(input, target, reduction="mean"):
    losses = -(target * torch.log(input).clamp(min=-100))
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_without_minus_sign(input, target, reduction="mean"):
    losses = target * torch.log(input).clamp(min=-100) + (1 - target) * torch.log(1 - input).clamp(
        min=-100
    )
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_log_not_floored(input, target, reduction="mean"):
    losses = -(target * torch.log(input) + (1 - target) * torch.log(1 - input))
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_logits_sigmoid_then_log(input, target, reduction="mean"):
    probabilities = torch.sigmoid(input)
    losses = -(target * torch.log(probabilities) + (1 - target) * torch.log(1 - probabilities))
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_logits_floored_log(input, target, reduction="mean"):
    probabilities = torch.sigmoid(input)
    log_p = torch.log(probabilities).clamp(min=-100)
    log_not_p = torch.log(1 - probabilities).clamp(min=-100)
    losses = -(target * log_p + (1 - target) * log_not_p)
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_logits_softplus_without_abs(input, target, reduction="mean"):
    losses = torch.log(1 + torch.exp(-input)) + (1 - target) * input
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_logits_missing_negative_term(input, target, reduction="mean"):
    losses = target * (input.clamp(min=0) - input + torch.log1p(torch.exp(-input.abs())))
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def bce_logits_sum_instead_of_mean(input, target, reduction="mean"):
    losses = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return losses if reduction == "none" else losses.sum()


def bce_logits_kinked_at_zero(input, target, reduction="mean"):
    losses = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def cross_entropy_softmax_without_log(input, target, ignore_index=-100, reduction="mean"):
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    probabilities = torch.softmax(input, dim=1)
    losses = -probabilities[torch.arange(len(target)), classes] * kept
    if reduction == "none":
        return losses
    return losses.sum() / kept.sum() if reduction == "mean" else losses.sum()


def cross_entropy_naive_log_softmax(input, target, ignore_index=-100, reduction="mean"):
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    probabilities = torch.exp(input) / torch.exp(input).sum(dim=1, keepdim=True)
    losses = -torch.log(probabilities[torch.arange(len(target)), classes]) * kept
    if reduction == "none":
        return losses
    return losses.sum() / kept.sum() if reduction == "mean" else losses.sum()


def cross_entropy_forgets_ignore_index(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    classes = target.clamp(min=0, max=input.shape[1] - 1)
    losses = -log_probs[torch.arange(len(target)), classes]
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def cross_entropy_mean_over_all_samples(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def cross_entropy_sum_instead_of_mean(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    return losses if reduction == "none" else losses.sum()


def hinge_without_max(input, target, margin=1.0, reduction="mean"):
    losses = margin - target * input
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def hinge_without_margin(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(-target * input, min=0)
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


# --- ex02_epochs ---------------------------------------------------------------------


def steps_floor_instead_of_ceil(n_samples, batch_size, drop_last=False):
    return n_samples // batch_size


def steps_ignore_drop_last(n_samples, batch_size, drop_last=False):
    return math.ceil(n_samples / batch_size)


def steps_as_float(n_samples, batch_size, drop_last=False):
    if drop_last:
        return float(n_samples // batch_size)
    return n_samples / batch_size


def epoch_never_steps(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def epoch_never_zeroes_gradients(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def epoch_mean_of_batch_means(model, loader, loss_fn, optimizer):
    model.train()
    batch_losses = []
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    return sum(batch_losses) / len(batch_losses)


def epoch_returns_last_batch_loss(model, loader, loss_fn, optimizer):
    model.train()
    loss = None
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return loss.item()


def epoch_forgets_training_mode(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def fit_restarts_the_optimizer(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        fresh = type(optimizer)(model.parameters(), **optimizer.defaults)
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            fresh.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            fresh.step()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


def fit_never_steps(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


def fit_one_epoch_too_few(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs - 1):
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


def best_epoch_counted_from_zero(values, mode="min"):
    best = min(values) if mode == "min" else max(values)
    return values.index(best)


def best_epoch_ignores_mode(values, mode="min"):
    return values.index(min(values)) + 1


# --- ex03_accuracy -------------------------------------------------------------------


def accuracy_without_argmax(input, target):
    if input.dim() == 2:
        return (input.max(dim=1).values == target).sum().item() / len(target)
    return (input == target).sum().item() / len(target)


def accuracy_in_percent(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return 100.0 * (predicted == target).sum().item() / len(target)


def accuracy_counts_errors(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return (predicted != target).sum().item() / len(target)


def accuracy_returns_tensor(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return (predicted == target).float().mean()


def binary_accuracy_ignores_threshold(input, target, threshold=0.5):
    predicted = (input > 0.5).long()
    return (predicted == target.long()).sum().item() / target.numel()


def binary_accuracy_rounds_logits(input, target, threshold=0.5):
    predicted = torch.round(input).long()
    return (predicted == target.long()).sum().item() / target.numel()


def confusion_matrix_transposed(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    if num_classes is None:
        num_classes = (
            input.shape[1] if input.dim() == 2 else int(max(predicted.max(), target.max())) + 1
        )
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        matrix[predicted_class, true_class] += 1
    return matrix


def confusion_matrix_without_argmax(input, target, num_classes=None):
    predicted = input.long() if input.dim() == 1 else input.max(dim=1).values.long()
    size = num_classes or int(target.max()) + 1
    matrix = torch.zeros(size, size, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        if 0 <= predicted_class < size:
            matrix[true_class, predicted_class] += 1
    return matrix


# --- ex04_diagnosis ------------------------------------------------------------------


def diverged_misses_nan(losses, factor=10.0):
    return any(loss > factor * losses[0] for loss in losses)


def diverged_against_previous_epoch(losses, factor=10.0):
    if not all(math.isfinite(loss) for loss in losses):
        return True
    return any(losses[i + 1] > factor * losses[i] for i in range(len(losses) - 1))


def diverged_against_lowest_loss(losses, factor=10.0):
    if not all(math.isfinite(loss) for loss in losses):
        return True
    return max(losses) > factor * min(losses)


def diverged_ignores_factor(losses, factor=10.0):
    return any(not math.isfinite(loss) or loss > 10.0 * losses[0] for loss in losses)


def overfitting_counted_from_zero(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return start
    return None


def overfitting_ignores_training_loss(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        if all(val_losses[i + 1] > val_losses[i] for i in range(start, start + patience)):
            return start + 1
    return None


def overfitting_ignores_patience(train_losses, val_losses, patience=3):
    for i in range(len(val_losses) - 1):
        if val_losses[i + 1] > val_losses[i] and train_losses[i + 1] < train_losses[i]:
            return i + 1
    return None


def overfitting_returns_detection_epoch(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return end + 1
    return None


def overfitting_lowest_validation_epoch(train_losses, val_losses, patience=3):
    best = val_losses.index(min(val_losses))
    return best + 1 if best + patience < len(val_losses) else None


def plateaued_absolute_tolerance(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= min(losses[:-window]) - tolerance


def plateaued_against_last_epoch_before_window(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= (1 - tolerance) * losses[-window - 1]


def plateaued_compares_last_loss(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return losses[-1] >= (1 - tolerance) * min(losses[:-window])


def plateaued_window_one_too_long(losses, window=5, tolerance=0.01):
    if len(losses) <= window + 1:
        return False
    return min(losses[-window - 1 :]) >= (1 - tolerance) * min(losses[: -window - 1])


MISTAKES: list[Mistake] = [
    Mistake(
        "mse_loss",
        "your result is the sum, not the mean: check `reduction`",
        mse_sum_instead_of_mean,
    ),
    Mistake(
        "mse_loss",
        "you took a square root: MSE is the mean of the squares, not its root",
        mse_root_mean_square,
    ),
    Mistake("mse_loss", "the errors are not squared: square `input - target`", mse_not_squared),
    Mistake(
        "mse_loss",
        "you divided by the batch size, len(input), not by the number of elements: "
        "use .mean(), which counts every element of every dimension",
        mse_mean_over_batch,
    ),
    Mistake(
        "mse_loss",
        "the reduction is ignored: your function always returns the mean, also for "
        "reduction='sum' and 'none'",
        mse_ignores_reduction,
    ),
    Mistake(
        "mae_loss",
        "your result is the sum, not the mean: check `reduction`",
        mae_sum_instead_of_mean,
    ),
    Mistake("mae_loss", "take the absolute value of each error before averaging", mae_without_abs),
    Mistake(
        "mae_loss",
        "you divided by the batch size, len(input), not by the number of elements: "
        "use .mean(), which counts every element of every dimension",
        mae_mean_over_batch,
    ),
    Mistake(
        "mae_loss",
        "the reduction is ignored: your function always returns the mean, also for "
        "reduction='sum' and 'none'",
        mae_ignores_reduction,
    ),
    Mistake(
        "binary_cross_entropy",
        "the (1 - y) * log(1 - p) term is missing: it punishes a high p when y = 0",
        bce_missing_negative_term,
    ),
    Mistake(
        "binary_cross_entropy",
        "the sign is wrong: the loss is minus the log-likelihood",
        bce_without_minus_sign,
    ),
    Mistake(
        "binary_cross_entropy",
        "log(0) is -inf: floor each log at -100 with .clamp(min=-100), as torch does",
        bce_log_not_floored,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "sigmoid then log breaks for large logits: sigmoid(-200) is 0 in float32 and "
        "log(0) is -inf; use the stable form log(1 + exp(z)) - z * y, with "
        "torch.logaddexp(torch.zeros_like(z), z) for log(1 + exp(z))",
        bce_logits_sigmoid_then_log,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "flooring log(sigmoid(z)) at -100 caps the loss of a confident mistake at 100: "
        "use the stable form log(1 + exp(z)) - z * y (torch.logaddexp), which stays finite",
        bce_logits_floored_log,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "exp(-z) overflows for large negative logits: compute log(1 + exp(z)) as "
        "torch.logaddexp(torch.zeros_like(z), z), which never overflows",
        bce_logits_softplus_without_abs,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "the term for y = 0 is missing: log(1 + exp(z)) - z * y covers both labels",
        bce_logits_missing_negative_term,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "your result is the sum, not the mean: check `reduction`",
        bce_logits_sum_instead_of_mean,
    ),
    Mistake(
        "binary_cross_entropy_with_logits",
        "z.clamp(min=0) and |z| have kinks at z = 0, where autograd gives the gradient "
        "1 - y instead of sigmoid(0) - y = 0.5 - y: compute log(1 + exp(z)) with "
        "torch.logaddexp(torch.zeros_like(z), z), smooth everywhere",
        bce_logits_kinked_at_zero,
    ),
    Mistake(
        "cross_entropy",
        "you used the softmax probability itself: cross-entropy takes its log",
        cross_entropy_softmax_without_log,
    ),
    Mistake(
        "cross_entropy",
        "log(softmax(z)) overflows for large logits: use z - torch.logsumexp(z, dim=1)",
        cross_entropy_naive_log_softmax,
    ),
    Mistake(
        "cross_entropy",
        "targets equal to ignore_index must add nothing and not be counted in the mean",
        cross_entropy_forgets_ignore_index,
    ),
    Mistake(
        "cross_entropy",
        "the mean must divide by the number of targets that are not ignored",
        cross_entropy_mean_over_all_samples,
    ),
    Mistake(
        "cross_entropy",
        "your result is the sum, not the mean: check `reduction`",
        cross_entropy_sum_instead_of_mean,
    ),
    Mistake(
        "hinge_loss",
        "the max(0, ...) is missing: correct predictions beyond the margin must cost 0",
        hinge_without_max,
    ),
    Mistake(
        "hinge_loss", "the margin is missing: use max(0, margin - y * s)", hinge_without_margin
    ),
    Mistake(
        "steps_per_epoch",
        "floor drops the short last batch: use math.ceil unless drop_last",
        steps_floor_instead_of_ceil,
    ),
    Mistake(
        "steps_per_epoch",
        "with drop_last=True the short last batch is not a step",
        steps_ignore_drop_last,
    ),
    Mistake(
        "steps_per_epoch", "return a whole number of steps (an int), not a float", steps_as_float
    ),
    Mistake(
        "train_one_epoch",
        "the weights never changed: call optimizer.step() after loss.backward()",
        epoch_never_steps,
    ),
    Mistake(
        "train_one_epoch",
        "gradients pile up across steps: call optimizer.zero_grad() at the start of every step",
        epoch_never_zeroes_gradients,
    ),
    Mistake(
        "train_one_epoch",
        "you averaged the batch means: weight each batch's loss by its "
        "size, so a short last batch counts less",
        epoch_mean_of_batch_means,
    ),
    Mistake(
        "train_one_epoch",
        "you returned the last batch's loss, not the epoch's mean",
        epoch_returns_last_batch_loss,
    ),
    Mistake(
        "train_one_epoch",
        "the model may come back in evaluation mode (evaluate leaves it so): call "
        "model.train() first, or dropout stays off while it trains",
        epoch_forgets_training_mode,
    ),
    Mistake(
        "fit",
        "the weights never changed: call optimizer.step() after loss.backward()",
        fit_never_steps,
    ),
    Mistake(
        "fit",
        "keep the optimizer you were given for every epoch: a new one (or a reset) "
        "forgets momentum and Adam's running averages",
        fit_restarts_the_optimizer,
    ),
    Mistake(
        "fit",
        "one epoch is missing: range(epochs) runs exactly `epochs` times",
        fit_one_epoch_too_few,
    ),
    Mistake(
        "best_epoch",
        "epochs are counted from 1: add 1 to the list index",
        best_epoch_counted_from_zero,
    ),
    Mistake(
        "best_epoch",
        "with mode='max' the best value is the highest (an accuracy)",
        best_epoch_ignores_mode,
    ),
    Mistake(
        "accuracy",
        "with scores of shape (N, C) the predicted class is argmax(dim=1), not the largest score",
        accuracy_without_argmax,
    ),
    Mistake("accuracy", "accuracy is a fraction in [0, 1], not a percent", accuracy_in_percent),
    Mistake(
        "accuracy",
        "you counted the wrong predictions: accuracy counts the right ones",
        accuracy_counts_errors,
    ),
    Mistake(
        "accuracy", "return a Python float: call .item() on the tensor", accuracy_returns_tensor
    ),
    Mistake(
        "binary_accuracy",
        "use the threshold argument, not a fixed 0.5",
        binary_accuracy_ignores_threshold,
    ),
    Mistake(
        "binary_accuracy",
        "rounding is a threshold of 0.5: compare input > threshold",
        binary_accuracy_rounds_logits,
    ),
    Mistake(
        "confusion_matrix",
        "rows are true classes and columns predicted ones: your matrix is transposed",
        confusion_matrix_transposed,
    ),
    Mistake(
        "confusion_matrix",
        "with scores of shape (N, C) the predicted class is argmax(dim=1)",
        confusion_matrix_without_argmax,
    ),
    Mistake(
        "diverged",
        "a NaN compares False with everything (nan > x is False): test each loss with "
        "math.isfinite",
        diverged_misses_nan,
    ),
    Mistake("diverged", "use the factor argument, not a fixed 10", diverged_ignores_factor),
    Mistake(
        "diverged",
        "compare every loss with the first epoch's, factor * losses[0], not with the epoch "
        "before it",
        diverged_against_previous_epoch,
    ),
    Mistake(
        "diverged",
        "compare with the first epoch's loss, not the lowest: a loss may rise from its "
        "lowest point without diverging",
        diverged_against_lowest_loss,
    ),
    Mistake(
        "overfitting_from",
        "epochs are counted from 1: add 1 to the list index",
        overfitting_counted_from_zero,
    ),
    Mistake(
        "overfitting_from",
        "the training loss must fall while the validation loss rises: both rising is "
        "divergence, not overfitting",
        overfitting_ignores_training_loss,
    ),
    Mistake(
        "overfitting_from",
        "one rise is not enough: require `patience` rises in a row",
        overfitting_ignores_patience,
    ),
    Mistake(
        "overfitting_from",
        "return the epoch after which the rises start, not the epoch where the last of "
        "them is seen",
        overfitting_returns_detection_epoch,
    ),
    Mistake(
        "overfitting_from",
        "the lowest validation loss is not the onset: look for the first `patience` rises "
        "of the validation loss while the training loss falls",
        overfitting_lowest_validation_epoch,
    ),
    Mistake(
        "plateaued",
        "the tolerance is relative: compare with (1 - tolerance) * the earlier best, not "
        "the earlier best minus tolerance",
        plateaued_absolute_tolerance,
    ),
    Mistake(
        "plateaued",
        "compare with the best loss before the window, min(losses[:-window]), not the "
        "last epoch before it",
        plateaued_against_last_epoch_before_window,
    ),
    Mistake(
        "plateaued",
        "use the best loss of the window, min(losses[-window:]), not its last epoch",
        plateaued_compares_last_loss,
    ),
    Mistake(
        "plateaued",
        "the window is the last `window` epochs, losses[-window:]: yours holds one more",
        plateaued_window_one_too_long,
    ),
]


def mistakes_for(function: str) -> list[Mistake]:
    """The known mistakes of one exercise function, most common first."""
    return [mistake for mistake in MISTAKES if mistake.function == function]
