"""Classification metrics: what fraction of predictions is right, and which are wrong.

Unlike a loss, a metric is read by people, not minimised by gradient descent: accuracy
only changes when a prediction crosses a decision boundary, so its gradient is zero
almost everywhere. Each function returns a plain Python float (the confusion matrix an
integer tensor) and matches the ``sklearn.metrics`` function named in its docstring.

Predictions can be given as class labels, shape (N,), or as scores, shape (N, C): logits
or probabilities, one column per class, of which the largest is the predicted class.
Every function takes the predictions first and the true labels second, as the losses
do (``sklearn.metrics`` takes them the other way round: ``y_true, y_pred``), and checks
both through one helper, :func:`_check_targets`, before computing anything.
"""

from __future__ import annotations

import math
import numbers

import torch

from lesson_pkg import validation
from lesson_pkg.validation import ArrayLike

__all__ = [
    "accuracy",
    "binary_accuracy",
    "calibration_bins",
    "confusion_matrix",
    "expected_calibration_error",
    "f1_score",
    "precision",
    "recall",
    "top_k_accuracy",
]

AVERAGES = ("binary", "macro", "weighted")


def _check_targets(
    input: ArrayLike, target: ArrayLike, predictions: str = "labels"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a batch of predictions and true labels; every metric calls this first.

    ``predictions`` says what the metric reads from ``input``:

    - ``"labels"``: class labels (N,) or scores (N, C); returns the predicted labels (N,)
      (the argmax of scores) and the target labels (N,);
    - ``"scores"``: scores (N, C) only; returns them and the targets, each in [0, C);
    - ``"probabilities"``: floats of any shape; returns them and the targets, of the same
      shape and holding 0 and 1, as booleans.
    """
    if predictions == "probabilities":
        return _check_binary_targets(input, target)
    checked = _scores(input) if predictions == "scores" else _predicted_labels(input)
    target = validation.as_label_tensor(target, "target")
    _check_batch(checked, target)
    if predictions == "scores":
        validation.check_class_targets(target, checked.shape[1])
    return checked, target


def _check_batch(input: torch.Tensor, target: torch.Tensor) -> None:
    """Raise unless predictions and targets describe the same non-empty batch."""
    if target.dim() != 1:
        raise ValueError(
            f"target must be a 1-D tensor of N labels, got shape {tuple(target.shape)}"
        )
    if input.shape[0] != target.shape[0]:
        raise ValueError(
            f"input and target must hold the same number of samples, got {input.shape[0]} "
            f"predictions and {target.shape[0]} targets"
        )
    if target.shape[0] == 0:
        raise ValueError("cannot score an empty batch: input and target hold 0 samples")


def _check_binary_targets(input: ArrayLike, target: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Probabilities (or logits) of any shape and 0/1 targets of the same shape, as bools."""
    scores = validation.as_float_tensor(input, "input")
    target = validation.as_tensor(target, "target")
    validation.check_same_shape(scores, target, "input", "target")
    if scores.numel() == 0:
        raise ValueError("cannot score an empty batch: input and target hold 0 values")
    if not ((target == 0) | (target == 1)).all():
        raise ValueError(
            f"target must hold the labels 0 and 1, got values {target.unique().tolist()[:5]}"
        )
    return scores, target.bool()


def _fraction(correct: torch.Tensor) -> float:
    """The fraction of ``True`` values, as an exact Python float."""
    return correct.sum().item() / correct.numel()


def _scores(input: ArrayLike) -> torch.Tensor:
    """Validate scores: floating point, shape (N, C)."""
    scores = validation.as_float_tensor(input, "input (scores)")
    if scores.dim() != 2:
        raise ValueError(
            f"scores must have shape (N, C), one column per class, got {tuple(scores.shape)}"
        )
    return scores


def _predicted_labels(input: ArrayLike) -> torch.Tensor:
    """Class labels (N,) from labels (N,) or from scores (N, C) by argmax."""
    input = validation.as_tensor(input, "input")
    if input.is_floating_point():
        if input.dim() != 2:
            raise TypeError(
                f"float predictions must be scores of shape (N, C), got shape "
                f"{tuple(input.shape)}; pass class labels as integers, or use "
                f"binary_accuracy for one probability per sample"
            )
        return input.argmax(dim=1)
    labels = validation.as_label_tensor(input, "input (predicted labels)")
    if labels.dim() != 1:
        raise ValueError(
            f"predicted labels must have shape (N,), got {tuple(labels.shape)}; "
            f"scores of shape (N, C) must be floats"
        )
    return labels


def accuracy(input: ArrayLike, target: ArrayLike) -> float:
    """Fraction of correct predictions; matches ``sklearn.metrics.accuracy_score``.

    ``accuracy = (number of i with prediction_i == target_i) / N``, a number in [0, 1].

    Parameters
    ----------
    input : Tensor (N,) of integer labels, or (N, C) of float scores
        Predictions; for scores the predicted class is ``input.argmax(dim=1)``.
    target : Tensor (N,) of integer labels

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy([1, 0, 2, 1], [1, 0, 2, 0])
    0.75
    >>> accuracy(torch.tensor([[0.1, 2.0], [3.0, 0.5]]), [1, 1])
    0.5
    """
    predicted, target = _check_targets(input, target)
    return _fraction(predicted == target)


def binary_accuracy(input: ArrayLike, target: ArrayLike, threshold: float = 0.5) -> float:
    """Accuracy of yes/no predictions from probabilities (or logits).

    A prediction is 1 when ``input > threshold``, else 0; accuracy is the fraction equal to
    ``target``. For logits use ``threshold=0.0`` (``sigmoid(0) = 0.5``).

    Parameters
    ----------
    input : Tensor, any shape, floating point
        Probabilities in [0, 1] (or logits with ``threshold=0.0``).
    target : Tensor, the same shape, values 0 or 1 (integers, floats or bools)
    threshold : float

    Examples
    --------
    >>> binary_accuracy([0.9, 0.4, 0.6], [1, 0, 0])
    0.6666666666666666
    >>> binary_accuracy([2.0, -1.0], [1, 0], threshold=0.0)
    1.0
    """
    scores, target = _check_targets(input, target, predictions="probabilities")
    threshold = validation.check_real(threshold, "threshold")
    if 0.0 < threshold < 1.0:
        validation.check_in_range(
            scores, "input (probabilities; for logits use threshold=0.0)", 0.0, 1.0
        )
    predicted = scores > threshold
    return _fraction(predicted == target)


def top_k_accuracy(input: ArrayLike, target: ArrayLike, k: int = 1) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores.

    Matches ``sklearn.metrics.top_k_accuracy_score`` when no two scores tie; ``k=1`` is
    plain accuracy.

    Parameters
    ----------
    input : Tensor (N, C), floating point
        Scores.
    target : Tensor (N,) of integer labels in [0, C)
    k : int in [1, C]

    Examples
    --------
    >>> scores = torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]])
    >>> top_k_accuracy(scores, [1, 0], k=2)
    0.5
    """
    scores, target = _check_targets(input, target, predictions="scores")
    num_classes = scores.shape[1]
    k = validation.check_int(k, "k", minimum=1)
    if k > num_classes:
        raise ValueError(f"k must be at most the number of classes {num_classes}, got {k}")
    top_classes = scores.topk(k, dim=1).indices
    return _fraction((top_classes == target.unsqueeze(1)).any(dim=1))


def confusion_matrix(
    input: ArrayLike, target: ArrayLike, num_classes: int | None = None
) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs; matches ``sklearn.metrics.confusion_matrix``.

    Row ``i`` is the true class, column ``j`` the predicted class: the diagonal counts the
    correct predictions, everything off it a mistake. Accuracy is ``trace / total``.

    Parameters
    ----------
    input : Tensor (N,) of integer labels, or (N, C) of float scores
    target : Tensor (N,) of integer labels
    num_classes : int, optional
        The matrix is ``num_classes x num_classes``. By default C for scores, otherwise
        one more than the largest label seen.

    Returns
    -------
    Tensor (num_classes, num_classes), int64

    Examples
    --------
    >>> confusion_matrix([1, 0, 2, 1], [1, 0, 2, 0])
    tensor([[1, 1, 0],
            [0, 1, 0],
            [0, 0, 1]])
    """
    scores_or_labels = validation.as_tensor(input, "input")
    predicted, target = _check_targets(scores_or_labels, target)
    if num_classes is None:
        num_classes = (
            scores_or_labels.shape[1]
            if scores_or_labels.is_floating_point()
            else int(max(predicted.max(), target.max())) + 1
        )
    num_classes = validation.check_int(num_classes, "num_classes", minimum=1)
    validation.check_class_targets(target, num_classes)
    if predicted.max() >= num_classes:
        raise ValueError(
            f"predicted labels must lie in [0, {num_classes - 1}] for {num_classes} classes, "
            f"got {predicted.max().item()}"
        )
    pair_index = target.long() * num_classes + predicted.long()
    counts = torch.bincount(pair_index, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def _check_averaging(average: object, pos_label: object, zero_division: object) -> None:
    """Raise unless the arguments of precision, recall and F1 are ones they accept."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    validation.check_int(pos_label, "pos_label", minimum=0)
    if isinstance(zero_division, bool) or not isinstance(zero_division, numbers.Real):
        raise TypeError(
            f"zero_division must be 0.0, 1.0 or float('nan'), got "
            f"{type(zero_division).__name__} {zero_division!r}"
        )
    if not (zero_division in (0.0, 1.0) or math.isnan(zero_division)):
        raise ValueError(f"zero_division must be 0.0, 1.0 or float('nan'), got {zero_division}")


def _class_counts(
    predicted: torch.Tensor, target: torch.Tensor, average: str, pos_label: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """True positives, predicted counts and true counts, one entry per class scored.

    The classes scored are those present in the predictions or the targets (as in
    ``sklearn.metrics``), or only ``pos_label`` for ``average="binary"``.
    """
    present = torch.unique(torch.cat([target, predicted]))
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs two classes, got the labels {present.tolist()}; "
                f"use average='macro' or 'weighted' for {len(present)} classes"
            )
        if len(present) == 2 and pos_label not in present.tolist():
            raise ValueError(
                f"pos_label={pos_label} is not a label of the data, whose labels are "
                f"{present.tolist()}"
            )
        present = torch.tensor([pos_label])
    size = int(max(present.max(), predicted.max(), target.max())) + 1
    true_positives = torch.bincount(target[predicted == target], minlength=size)
    predicted_counts = torch.bincount(predicted, minlength=size)
    true_counts = torch.bincount(target, minlength=size)
    return true_positives[present], predicted_counts[present], true_counts[present]


def _divide(
    numerator: torch.Tensor, denominator: torch.Tensor, zero_division: float
) -> torch.Tensor:
    """``numerator / denominator`` per class, and ``zero_division`` where it is 0 / 0."""
    numerator, denominator = numerator.double(), denominator.double()
    defined = denominator > 0
    return torch.where(defined, numerator / denominator.where(defined, 1.0), zero_division)


def _average(per_class: torch.Tensor, true_counts: torch.Tensor, average: str) -> float:
    """The mean over classes (weighted by each class's true count for "weighted").

    Classes whose score is NaN (``zero_division=nan``) are left out; NaN if all are.
    """
    kept = ~per_class.isnan()
    if not kept.any():
        return math.nan
    weights = true_counts.double() if average == "weighted" else torch.ones_like(per_class)
    per_class, weights = per_class[kept], weights[kept]
    if weights.sum() == 0:
        weights = torch.ones_like(per_class)
    return float((per_class * weights).sum() / weights.sum())


def precision(
    input: ArrayLike,
    target: ArrayLike,
    average: str = "binary",
    pos_label: int = 1,
    zero_division: float = 0.0,
) -> float:
    """Of the samples predicted as a class, the fraction that belong to it.

    ``precision = TP / (TP + FP)``: true positives over all positive predictions. Matches
    ``sklearn.metrics.precision_score(target, input, ...)`` (note the order).

    Parameters
    ----------
    input : Tensor (N,) of integer labels, or (N, C) of float scores
        Predictions; for scores the predicted class is ``input.argmax(dim=1)``.
    target : Tensor (N,) of integer labels
    average : {"binary", "macro", "weighted"}
        ``"binary"``: the precision of class ``pos_label``, for two classes.
        ``"macro"``: the plain mean over the classes present in ``input`` or ``target``,
        so a rare class counts as much as a common one. ``"weighted"``: the mean
        weighted by each class's number of true samples.
    pos_label : int
        The positive class for ``average="binary"``.
    zero_division : 0.0, 1.0 or float("nan")
        The value of a class that is never predicted (0 / 0). The default 0.0 is the
        value ``sklearn.metrics`` returns by default, without its warning. With NaN such
        classes are left out of the mean.

    Returns
    -------
    float

    Examples
    --------
    One positive sample in four; the model predicts two positives, one of them right:

    >>> precision([0, 1, 1, 0], [0, 0, 1, 0])
    0.5

    A model that never predicts the rare class has no positive predictions (0 / 0):

    >>> precision([0, 0, 0, 0], [0, 0, 1, 0])
    0.0
    >>> precision([0, 2, 1, 2], [0, 1, 1, 2], average="macro")
    0.8333333333333334
    """
    predicted, target = _check_targets(input, target)
    _check_averaging(average, pos_label, zero_division)
    true_positives, predicted_counts, true_counts = _class_counts(
        predicted, target, average, pos_label
    )
    return _average(_divide(true_positives, predicted_counts, zero_division), true_counts, average)


def recall(
    input: ArrayLike,
    target: ArrayLike,
    average: str = "binary",
    pos_label: int = 1,
    zero_division: float = 0.0,
) -> float:
    """Of the samples of a class, the fraction predicted as that class.

    ``recall = TP / (TP + FN)``: true positives over all samples that are positive.
    Matches ``sklearn.metrics.recall_score(target, input, ...)``; the parameters are those
    of :func:`precision` (``zero_division`` is used for a class absent from ``target``).

    Returns
    -------
    float

    Examples
    --------
    Accuracy can look good while the rare class is missed:

    >>> accuracy([0, 0, 0, 0], [0, 0, 1, 0])
    0.75
    >>> recall([0, 0, 0, 0], [0, 0, 1, 0])
    0.0
    >>> recall([0, 2, 1, 2], [0, 1, 1, 2], average="macro")
    0.8333333333333334
    """
    predicted, target = _check_targets(input, target)
    _check_averaging(average, pos_label, zero_division)
    true_positives, _, true_counts = _class_counts(predicted, target, average, pos_label)
    return _average(_divide(true_positives, true_counts, zero_division), true_counts, average)


def f1_score(
    input: ArrayLike,
    target: ArrayLike,
    average: str = "binary",
    pos_label: int = 1,
    zero_division: float = 0.0,
) -> float:
    """The harmonic mean of precision and recall.

    ``F1 = 2 * precision * recall / (precision + recall) = 2 TP / (2 TP + FP + FN)``: high
    only when both are. Matches ``sklearn.metrics.f1_score(target, input, ...)``; the
    parameters are those of :func:`precision` (``zero_division`` is used for a class
    neither predicted nor present in ``target``, where ``2 TP + FP + FN = 0``).

    Returns
    -------
    float

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [0, 0, 1, 0])  # precision 0.5, recall 1.0
    0.6666666666666666
    >>> f1_score([0, 2, 1, 2], [0, 1, 1, 2], average="macro")
    0.7777777777777777
    """
    predicted, target = _check_targets(input, target)
    _check_averaging(average, pos_label, zero_division)
    true_positives, predicted_counts, true_counts = _class_counts(
        predicted, target, average, pos_label
    )
    per_class = _divide(2 * true_positives, predicted_counts + true_counts, zero_division)
    return _average(per_class, true_counts, average)


def calibration_bins(
    input: ArrayLike, target: ArrayLike, n_bins: int = 10
) -> list[tuple[float, float, int]]:
    """Confidence against accuracy, per confidence bin: a reliability diagram's data.

    ``input`` is scores (N, C), logits or probabilities (the softmax is taken when a row
    does not already sum to 1); ``target`` the labels (N,). Each prediction's
    *confidence* is its largest probability; predictions are grouped by confidence into
    ``n_bins`` equal-width bins of [0, 1] (a bin holds ``low < confidence <= high``).
    Returns, for each non-empty bin in order, (mean confidence, accuracy, count). A
    *calibrated* model's accuracy equals its confidence in every bin.

    Examples
    --------
    >>> probabilities = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6]])
    >>> [(round(c, 2), round(a, 2), n) for c, a, n in calibration_bins(probabilities, [0, 1, 1])]
    [(0.6, 1.0, 1), (0.9, 0.5, 2)]
    """
    scores, target = _check_targets(input, target, predictions="scores")
    n_bins = validation.check_int(n_bins, "n_bins", minimum=1)
    sums_to_one = torch.allclose(scores.sum(1), torch.ones_like(scores[:, 0]), atol=1e-5)
    probabilities = scores if sums_to_one and bool((scores >= 0).all()) else scores.softmax(1)
    confidence, predicted = probabilities.max(1)
    bins = torch.clamp(torch.ceil(confidence * n_bins).long() - 1, 0, n_bins - 1)
    rows = []
    for index in range(n_bins):
        members = bins == index
        count = int(members.sum())
        if count:
            right = (predicted[members] == target[members]).double().mean().item()
            rows.append((confidence[members].double().mean().item(), right, count))
    return rows


def expected_calibration_error(input: ArrayLike, target: ArrayLike, n_bins: int = 10) -> float:
    """Expected calibration error (ECE): the count-weighted mean gap |accuracy - confidence|.

    ECE = sum over bins b of (n_b / N) * |accuracy_b - confidence_b|, with the bins of
    :func:`calibration_bins` (Guo et al., 2017). 0 for a calibrated model; a model that
    says 95 % and is right 75 % of the time adds 0.2 for those predictions.

    Examples
    --------
    >>> probabilities = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6]])
    >>> round(expected_calibration_error(probabilities, [0, 1, 1]), 4)
    0.4
    """
    rows = calibration_bins(input, target, n_bins)
    total = sum(count for _, _, count in rows)
    return sum(count * abs(right - confidence) for confidence, right, count in rows) / total
