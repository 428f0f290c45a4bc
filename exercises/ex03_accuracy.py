"""Exercise 3: accuracy and the confusion matrix.

Each function has the same name and arguments as its reference in
``lesson_pkg.metrics`` and returns a plain Python float (the matrix: an int64 tensor).
Calling the reference, or ``sklearn.metrics``, earns no points.
"""

import torch


def accuracy(input: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of correct predictions, a float in [0, 1].

    ``input`` is either predicted class labels, shape (N,) of integers, or scores, shape
    (N, C) of floats, whose largest entry in each row is the predicted class.
    ``target`` holds the N true labels, shape (N,) of integers (int64). Return a plain
    Python ``float``: call ``.item()`` on a tensor result, wrap a numpy one in ``float()``.

    Example: ``accuracy(torch.tensor([1, 0, 2, 1]), torch.tensor([1, 0, 2, 0]))`` is 0.75.

    Hints: scores need ``argmax`` along the class dimension (where the largest score is,
    not its value); a fraction is not a percent.
    """
    raise NotImplementedError("write this function: see its docstring")


def binary_accuracy(input: torch.Tensor, target: torch.Tensor, threshold: float = 0.5) -> float:
    """Accuracy of yes/no predictions: predict 1 where ``input > threshold``, else 0.

    ``input``: probabilities (or logits, with ``threshold=0.0``); ``target``: 0/1 labels
    of the same shape. Return a plain Python ``float``: call ``.item()`` on a tensor
    result, wrap a numpy one in ``float()``.

    Example: ``binary_accuracy(torch.tensor([0.9, 0.4, 0.6]), torch.tensor([1, 0, 0]))``
    is 2/3.

    Hint: ``input > threshold`` is a bool tensor; compare it with ``target.bool()``, and
    divide the count by ``target.numel()``, which also works for a 0-d tensor. The result
    is a fraction in [0, 1], not a percent.
    """
    raise NotImplementedError("write this function: see its docstring")


def confusion_matrix(
    input: torch.Tensor, target: torch.Tensor, num_classes: int | None = None
) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs: a (C, C) int64 tensor.

    Row ``i`` is the true class, column ``j`` the predicted one, so
    ``matrix[i, j]`` counts the samples of class ``i`` predicted as ``j``. ``input`` holds
    labels (N,) or scores (N, C), as in :func:`accuracy`. Without ``num_classes``, the
    matrix has C rows for scores; for labels, it has ``K + 1`` rows, where ``K`` is the
    largest label found in ``input`` *or* ``target`` (labels start at 0, so labels up to
    ``K`` need ``K + 1`` rows). Return a plain ``torch.Tensor`` of dtype int64, not a
    numpy array or a list.

    Example: ``confusion_matrix(torch.tensor([1, 0]), torch.tensor([0, 0]))`` is
    ``tensor([[1, 1], [0, 0]])``.

    Hints: start from ``torch.zeros(C, C, dtype=torch.int64)``, with ``C = num_classes``
    when it is given, and add 1 at ``[true class, predicted class]`` for each sample (or,
    without a loop, ``torch.bincount(target * C + predicted, minlength=C * C)`` reshaped
    to ``(C, C)``). Rows are the truth; mixing up rows and columns transposes the matrix.
    """
    raise NotImplementedError("write this function: see its docstring")
