"""Exercise 4: read a run's per-epoch losses as a practitioner does.

Each function has the same name and result as the course's own, in
``lesson_pkg.diagnosis``, which notebook 05 uses until yours pass their checks. The
losses are plain Python lists of floats, one per epoch, in order (what
``history.column("train_loss")`` gives). Calling the course's functions earns no points.
"""

import math


def diverged(losses: list[float], factor: float = 10.0) -> bool:
    """Whether a run diverged: some epoch's loss is NaN or infinite, or above ``factor``
    times the first epoch's loss.

    Formula: ``any(not isfinite(L_e) or L_e > factor * L_1 for every epoch e)``, with
    ``L_1 = losses[0]``. Return a Python ``bool``: wrap a tensor or numpy result in
    ``bool()``.

    Shapes: ``losses`` is a list of one or more floats, one per epoch.

    Examples: ``diverged([1.0, 0.5, float("nan")])`` is ``True``;
    ``diverged([1.0, 3.0, 12.0])`` is ``True`` (12 > 10 x 1); ``diverged([1.0, 3.0, 9.0])``
    is ``False``.

    Hint: every comparison with NaN is ``False`` (``nan > 10`` and ``nan < 10`` alike), so
    ``max(losses) > ...`` can miss it: test each loss with ``math.isfinite``. A tensor's
    ``.any()`` is a tensor, not a ``bool``: call ``.item()`` on it.
    """
    raise NotImplementedError("write this function: see its docstring")


def overfitting_from(
    train_losses: list[float], val_losses: list[float], patience: int = 3
) -> int | None:
    """The first epoch after which the validation loss rises for ``patience`` epochs in a
    row and the training loss is lower ``patience`` epochs later; ``None`` if there is no
    such epoch.

    Formula: epochs are counted from 1; return the smallest ``e`` such that the validation
    loss rises at each of the next ``patience`` epochs, ``val[e + k] > val[e + k - 1]``
    for every ``k = 1, ..., patience`` (strictly), while the training loss is lower at
    the end of them than at ``e``, ``train[e + patience] < train[e]`` (it may wobble in
    between). Epochs are 1-based: epoch ``e`` is ``val_losses[e - 1]``. Return a Python
    ``int`` (wrap a numpy integer in ``int()``) or ``None``.

    Shapes: two lists of floats of the same length, one value per epoch; ``patience`` is
    an int of at least 1.

    Examples: ``overfitting_from([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.8, 0.9, 1.0])``
    is ``2`` (after epoch 2, three rises of the validation loss, and the training loss is
    lower at epoch 5 than at epoch 2); ``overfitting_from([1.0, 0.8, 0.6], [1.0, 0.7, 0.5])``
    is ``None``.

    Hint: loop over the 0-based start index ``s``; the window's end is ``s + patience``,
    and the answer is ``s + 1``, the last epoch before the climb (not the first rising
    epoch, ``s + 2``). Both losses rising together is divergence, not
    overfitting, and one rise alone is noise.
    """
    raise NotImplementedError("write this function: see its docstring")


def plateaued(losses: list[float], window: int = 5, tolerance: float = 0.01) -> bool:
    """Whether the loss has stopped improving: the best of the last ``window`` epochs is
    not lower than the best of the epochs before them by more than the fraction
    ``tolerance``.

    Formula: ``min(losses[-window:]) >= (1 - tolerance) * min(losses[:-window])`` (close to
    the relative threshold of PyTorch's ``ReduceLROnPlateau``, which instead keeps a
    running best and counts the epochs without improvement). With ``window`` epochs
    or fewer, nothing comes before the window: return ``False``. Return a Python
    ``bool``: wrap a tensor or numpy comparison in ``bool()``.

    Shapes: ``losses`` is a list of non-negative floats, one per epoch; ``window`` is an
    int of at least 1; ``tolerance`` a fraction (0.01 is 1 %).

    Examples: ``plateaued([1.0, 0.5, 0.499, 0.498], window=2)`` is ``True`` (0.498 is
    only 0.4 % below 0.5); ``plateaued([1.0, 0.5, 0.45, 0.40], window=2)`` is ``False``.

    Hint: the tolerance is relative, a fraction of the earlier best, not an absolute
    difference: a loss of 100 that falls by 0.5 has plateaued; one of 0.001 that halves
    has not.
    """
    raise NotImplementedError("write this function: see its docstring")
