"""Grading ``ex03_accuracy``: accuracy, binary accuracy and the confusion matrix.

For each graded function: its reference (``lesson_pkg.metrics``), its cases, and its
classic mistakes, each hint above its wrong code.
"""

from __future__ import annotations

import torch

from lesson_pkg import metrics
from lesson_pkg.grading.core.cases import Exercise
from lesson_pkg.grading.core.inputs import as_labels, labels_and_scores, vector

EXERCISE = Exercise("ex03_accuracy")

FOUR_BY_FOUR = torch.tensor(
    [[5.0, 0.1, 3.0, 2.0], [0.2, 3.0, 2.0, 0.4], [0.1, 0.3, 1.0, 0.2], [1.5, 0.2, 0.4, 1.0]]
)
"""Scores whose argmax(dim=1), [0, 1, 2, 0], is right 3 times in 4 against [0, 1, 2, 3]
(0.75; the errors 0.25); argmax(dim=0), [0, 1, 0, 0], 2 times (0.5); the largest scores,
[5, 3, 1, 1.5], never (0.0); the raw scores equal a label once in 16 (0.0625): each
classic mistake gives its own value."""

FLAT_MAX_IN_ROW_ZERO = torch.tensor(
    [[0.0, 9.0, 2.0, 1.0], [0.5, 2.0, 1.0, 0.0], [0.2, 4.0, 0.0, 1.0], [1.0, 0.0, 0.0, 2.0]]
)
"""Scores whose argmax(dim=1), [1, 1, 1, 3], is right 3 times in 4 against [2, 1, 1, 3]
(0.75); the argmax of the whole tensor, 1 (the 9.0), equals 2 of the targets (0.5), a
value no other classic mistake gives here."""


# --- accuracy -----------------------------------------------------------------
ACCURACY = EXERCISE.graded("accuracy", metrics.accuracy)
ACCURACY.case(
    "[1, 0, 2, 1] vs [1, 0, 2, 0] is 0.75",
    1,
    lambda: [((torch.tensor([1, 0, 2, 1]), torch.tensor([1, 0, 2, 0])), {})],
)
ACCURACY.case(
    "from scores of shape (N, C)",
    2,
    lambda: [
        ((FLAT_MAX_IN_ROW_ZERO, torch.tensor([2, 1, 1, 3])), {}),
        ((FOUR_BY_FOUR, torch.tensor([0, 1, 2, 3])), {}),
        *labels_and_scores(15, 8),
    ],
)
ACCURACY.case("10 generated label batches", 1, lambda: as_labels(labels_and_scores(16, 10)))


@ACCURACY.mistake(
    "the classes are the columns of scores of shape (N, C): take argmax(dim=1), one class "
    "per row, not argmax(dim=0)"
)
def accuracy_argmax_over_rows(input, target):
    predicted = input.argmax(dim=0) if input.dim() == 2 else input
    return (predicted == target).float().mean().item()


@ACCURACY.mistake(
    "scores of shape (N, C) are not labels: compare the predicted classes, "
    "input.argmax(dim=1), with the targets, not the scores themselves"
)
def accuracy_compares_scores_with_labels(input, target):
    return (input == target).float().mean().item()


@ACCURACY.mistake(
    "the largest score is not a class: the predicted class is where the largest score "
    "is, input.argmax(dim=1), not its value, input.max(dim=1).values"
)
def accuracy_compares_max_score(input, target):
    predicted = input.max(dim=1).values if input.dim() == 2 else input
    return (predicted == target).float().mean().item()


@ACCURACY.mistake(
    "argmax() without dim= finds the largest score of the whole tensor, one index: take "
    "input.argmax(dim=1), one predicted class per row"
)
def accuracy_argmax_without_dim(input, target):
    predicted = input.argmax() if input.dim() == 2 else input
    return (predicted == target).float().mean().item()


@ACCURACY.mistake("accuracy is a fraction in [0, 1], not a percent")
def accuracy_in_percent(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return 100.0 * (predicted == target).sum().item() / len(target)


@ACCURACY.mistake("you counted the wrong predictions: accuracy counts the right ones")
def accuracy_counts_errors(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return (predicted != target).sum().item() / len(target)


@ACCURACY.mistake(
    "accuracy is the fraction right, not the count: divide the number right by the "
    "number of predictions (or take the mean)"
)
def accuracy_counts_right(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return float((predicted == target).sum())


@ACCURACY.mistake(
    "// is integer division and gives 0 unless every prediction is right: divide with /"
)
def accuracy_integer_division(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return float((predicted == target).sum().item() // len(target))


@ACCURACY.mistake("return a Python float: call .item() on the tensor")
def accuracy_returns_tensor(input, target):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    return (predicted == target).float().mean()


# --- binary_accuracy ----------------------------------------------------------
BINARY_ACCURACY = EXERCISE.graded("binary_accuracy", metrics.binary_accuracy)
BINARY_ACCURACY.case(
    "0.9, 0.4, 0.6, 0.2, 0.8 against 1, 0, 0, 0, 1 is 0.8",
    1,
    lambda: [((vector(0.9, 0.4, 0.6, 0.2, 0.8), torch.tensor([1, 0, 0, 0, 1])), {})],
)
BINARY_ACCURACY.case(
    "logits with threshold 0.0",
    1,
    lambda: [
        (
            (vector(2.0, -1.0, 0.5, -3.0, -0.2), torch.tensor([1, 0, 0, 0, 0])),
            {"threshold": 0.0},
        )
    ],
)
BINARY_ACCURACY.case(
    "other thresholds",
    1,
    lambda: [((vector(0.9, 0.4, 0.6, 0.75), torch.tensor([1, 0, 0, 1])), {"threshold": 0.7})],
)
BINARY_ACCURACY.case(
    "the default threshold is 0.5, also for one score in a 0-d tensor",
    1,
    lambda: [
        ((vector(0.8, 0.3, 0.6, 0.1), torch.tensor([1, 0, 1, 1])), {}),
        ((torch.tensor(0.7), torch.tensor(1)), {}),
    ],
)
BINARY_ACCURACY.case(
    "a score equal to the threshold predicts 0",
    1,
    lambda: [
        ((vector(0.5, 0.7, 0.5, 0.2), torch.tensor([0, 1, 0, 0])), {}),
        ((vector(0.0, 1.0, -0.4), torch.tensor([0, 1, 0])), {"threshold": 0.0}),
    ],
)


@BINARY_ACCURACY.mistake("accuracy is a fraction in [0, 1], not a percent")
def binary_accuracy_in_percent(input, target, threshold=0.5):
    predicted = (input > threshold).long()
    return 100.0 * (predicted == target.long()).sum().item() / target.numel()


@BINARY_ACCURACY.mistake("use the threshold argument, not a fixed 0.5")
def binary_accuracy_ignores_threshold(input, target, threshold=0.5):
    predicted = (input > 0.5).long()
    return (predicted == target.long()).sum().item() / target.numel()


@BINARY_ACCURACY.mistake(
    "a score equal to the threshold predicts 0: compare input > threshold, not >="
)
def binary_accuracy_at_least_threshold(input, target, threshold=0.5):
    predicted = (input >= threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()


@BINARY_ACCURACY.mistake(
    "the input is already a probability (or a logit compared with threshold 0.0): "
    "don't apply sigmoid, compare input > threshold"
)
def binary_accuracy_applies_sigmoid(input, target, threshold=0.5):
    predicted = (torch.sigmoid(input) > threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()


@BINARY_ACCURACY.mistake(
    "predict 1 where the score is above the threshold, input > threshold: yours predicts 1 below it"
)
def binary_accuracy_inverted_comparison(input, target, threshold=0.5):
    predicted = (input < threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()


@BINARY_ACCURACY.mistake("rounding is a threshold of 0.5: compare input > threshold")
def binary_accuracy_rounds_logits(input, target, threshold=0.5):
    predicted = torch.round(input).long()
    return (predicted == target.long()).sum().item() / target.numel()


# --- confusion_matrix ---------------------------------------------------------
CONFUSION_MATRIX = EXERCISE.graded("confusion_matrix", metrics.confusion_matrix)
CONFUSION_MATRIX.case(
    "rows are true classes, columns predictions",
    1,
    lambda: [
        ((torch.tensor([1, 0]), torch.tensor([0, 0])), {"num_classes": 2}),
        ((torch.tensor([1, 0, 2, 1]), torch.tensor([1, 0, 2, 0])), {}),
        ((torch.tensor([0, 1, 1]), torch.tensor([0, 1, 2])), {}),  # class 2 only in targets
        ((torch.tensor([0, 2]), torch.tensor([0, 1])), {}),  # class 2 only in predictions
        ((torch.tensor([1, 1, 0, 1]), torch.tensor([1, 1, 0, 0])), {}),  # (1, 1) twice
    ],
)
CONFUSION_MATRIX.case("from scores of shape (N, C)", 1, lambda: labels_and_scores(17, 6))
CONFUSION_MATRIX.case(
    "scores of shape (N, C) give C rows, even for classes never seen",
    1,
    lambda: [((torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]]), torch.tensor([0, 1])), {})],
)
CONFUSION_MATRIX.case(
    "8 generated label batches",
    1,
    lambda: [
        ((labels, target), {"num_classes": 5})
        for (labels, target), _ in as_labels(labels_and_scores(18, 8))
        if int(max(labels.max(), target.max())) < 5
    ],
)


@CONFUSION_MATRIX.mistake(
    "rows are true classes and columns predicted ones: your matrix is transposed"
)
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


@CONFUSION_MATRIX.mistake(
    "the size comes from the predictions only: a class found only in the targets has no "
    "row; without num_classes, count max(input.max(), target.max()) + 1 classes"
)
def confusion_matrix_sized_from_predictions(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    size = num_classes or (input.shape[1] if input.dim() == 2 else int(predicted.max()) + 1)
    matrix = torch.zeros(size, size, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        matrix[true_class, predicted_class] += 1  # IndexError: a target past the last row
    return matrix


@CONFUSION_MATRIX.mistake(
    "the size comes from the targets only: a class found only in the predictions has no "
    "column; without num_classes, count max(input.max(), target.max()) + 1 classes"
)
def confusion_matrix_sized_from_targets(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    size = num_classes or (input.shape[1] if input.dim() == 2 else int(target.max()) + 1)
    matrix = torch.zeros(size, size, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        matrix[true_class, predicted_class] += 1  # IndexError: a prediction past the last column
    return matrix


@CONFUSION_MATRIX.mistake("with scores of shape (N, C) the predicted class is argmax(dim=1)")
def confusion_matrix_without_argmax(input, target, num_classes=None):
    predicted = input.long() if input.dim() == 1 else input.max(dim=1).values.long()
    size = num_classes or int(max(predicted.max(), target.max())) + 1
    matrix = torch.zeros(size, size, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        if 0 <= predicted_class < size:
            matrix[true_class, predicted_class] += 1
    return matrix


@CONFUSION_MATRIX.mistake(
    "indexing with tensors writes a repeated (true, predicted) pair once: m[target, "
    "predicted] += 1 does not add up duplicates; use index_put_(..., accumulate=True), "
    "bincount, or a loop"
)
def confusion_matrix_drops_repeated_pairs(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    if num_classes is None:
        num_classes = (
            input.shape[1] if input.dim() == 2 else int(max(predicted.max(), target.max())) + 1
        )
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    matrix[target, predicted] += 1
    return matrix


@CONFUSION_MATRIX.mistake(
    "the matrix has num_classes rows and columns when num_classes is given (or C columns "
    "of scores), even for classes that never appear"
)
def confusion_matrix_ignores_num_classes(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    size = int(max(predicted.max(), target.max())) + 1
    matrix = torch.zeros(size, size, dtype=torch.int64)
    for true_class, predicted_class in zip(target.tolist(), predicted.tolist(), strict=True):
        matrix[true_class, predicted_class] += 1
    return matrix


@CONFUSION_MATRIX.mistake(
    "bincount counts up to the largest code present only: pass minlength=C * C so that "
    "the counts reshape to (C, C)"
)
def confusion_matrix_bincount_without_minlength(input, target, num_classes=None):
    predicted = input.argmax(dim=1) if input.dim() == 2 else input
    if num_classes is None:
        num_classes = (
            input.shape[1] if input.dim() == 2 else int(max(predicted.max(), target.max())) + 1
        )
    codes = target * num_classes + predicted
    return torch.bincount(codes).reshape(num_classes, num_classes)
