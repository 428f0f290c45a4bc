"""Classification metrics: what fraction of predictions is right, and which are wrong.

Unlike a loss, a metric is read by people, not minimised by gradient descent: accuracy
only changes when a prediction crosses a decision boundary, so its gradient is zero
almost everywhere. Each function returns a plain Python float (the confusion matrix an
integer tensor) and matches the ``sklearn.metrics`` function named in its docstring.

Predictions can be given as class labels, shape (N,), or as scores, shape (N, C): logits
or probabilities, one column per class, of which the largest is the predicted class.
"""

from __future__ import annotations

import torch

from lesson_pkg import validation
from lesson_pkg.validation import ArrayLike

__all__ = ["accuracy", "binary_accuracy", "confusion_matrix", "top_k_accuracy"]


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
    predicted = _predicted_labels(input)
    target = validation.as_label_tensor(target, "target")
    _check_batch(predicted, target)
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
    scores = validation.as_float_tensor(input, "input")
    target = validation.as_tensor(target, "target")
    validation.check_same_shape(scores, target, "input", "target")
    if scores.numel() == 0:
        raise ValueError("cannot score an empty batch: input and target hold 0 values")
    if not ((target == 0) | (target == 1)).all():
        raise ValueError(
            f"target must hold the labels 0 and 1, got values {target.unique().tolist()[:5]}"
        )
    threshold = validation.check_real(threshold, "threshold")
    if 0.0 < threshold < 1.0:
        validation.check_in_range(
            scores, "input (probabilities; for logits use threshold=0.0)", 0.0, 1.0
        )
    predicted = scores > threshold
    return _fraction(predicted == target.bool())


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
    scores = _scores(input)
    target = validation.as_label_tensor(target, "target")
    _check_batch(scores, target)
    num_classes = scores.shape[1]
    validation.check_class_targets(target, num_classes)
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
    predicted = _predicted_labels(scores_or_labels)
    target = validation.as_label_tensor(target, "target")
    _check_batch(predicted, target)
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
