"""What a practitioner reads off a run's per-epoch losses: divergence, overfitting, a plateau.

Each check takes plain lists of per-epoch losses (``History.column("train_loss")``) and
answers one question with a precise, documented rule, so that a training script (or a
learner reading a curve) can act on it. Notebook 05 draws the curves they diagnose; the
exercise ``exercises/ex04_diagnosis.py`` asks for the same three functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["diverged", "overfitting_from", "plateaued"]


def _check_losses(losses: Sequence[float], name: str) -> None:
    if isinstance(losses, str) or not isinstance(losses, Sequence):
        raise TypeError(f"{name} must be a list of per-epoch losses, got {type(losses).__name__}")
    if len(losses) == 0:
        raise ValueError(f"{name} must hold at least one epoch's loss, got an empty list")


def diverged(losses: Sequence[float], factor: float = 10.0) -> bool:
    """Whether a run diverged: a loss is NaN or infinite, or above ``factor`` times the first.

    ``diverged = any(not isfinite(L_e) or L_e > factor * L_1 for each epoch e)``, with
    ``L_1`` the first epoch's loss.

    Examples
    --------
    >>> diverged([1.0, 0.5, float("nan")])
    True
    >>> diverged([1.0, 3.0, 12.0])
    True
    >>> diverged([1.0, 3.0, 9.0])
    False
    """
    _check_losses(losses, "losses")
    first = losses[0]
    return any(not math.isfinite(loss) or loss > factor * first for loss in losses)


def overfitting_from(
    train_losses: Sequence[float], val_losses: Sequence[float], patience: int = 3
) -> int | None:
    """The first epoch after which the validation loss keeps rising and training ends lower.

    Epochs are counted from 1. Epoch ``e`` is returned when the validation loss rises at
    each of the next ``patience`` epochs, ``val[e + k] > val[e + k - 1]`` for every ``k``
    from 1 to ``patience``, while the training loss is lower at the end of them,
    ``train[e + patience] < train[e]`` (1-based; the training loss may wobble in
    between); ``None`` if there is no such epoch.

    Examples
    --------
    >>> overfitting_from([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.8, 0.9, 1.0], patience=3)
    2
    >>> overfitting_from([1.0, 0.8, 0.6], [1.0, 0.7, 0.5]) is None
    True
    """
    _check_losses(train_losses, "train_losses")
    _check_losses(val_losses, "val_losses")
    if len(train_losses) != len(val_losses):
        raise ValueError(
            "train_losses and val_losses must have one value per epoch each, got "
            f"{len(train_losses)} and {len(val_losses)}"
        )
    if patience < 1:
        raise ValueError(f"patience must be at least 1, got {patience}")
    rises = 0  # how many epochs in a row the validation loss has risen
    for epoch in range(1, len(val_losses)):
        rises = rises + 1 if val_losses[epoch] > val_losses[epoch - 1] else 0
        start = epoch - patience  # 0-based: the epoch after which these rises began
        if rises >= patience and train_losses[epoch] < train_losses[start]:
            return start + 1
    return None


def plateaued(losses: Sequence[float], window: int = 5, tolerance: float = 0.01) -> bool:
    """Whether the loss has stopped improving over the last ``window`` epochs.

    It has when the best of the last ``window`` epochs is not lower than the best before
    them by more than the fraction ``tolerance``:
    ``plateaued = min(L[-window:]) >= (1 - tolerance) * min(L[:-window])`` (close to the
    relative threshold of PyTorch's ``ReduceLROnPlateau``, which instead keeps a running
    best and counts the epochs without improvement), for non-negative losses.
    With ``window`` epochs or fewer there is nothing before the window: ``False``.

    Examples
    --------
    >>> plateaued([1.0, 0.5, 0.499, 0.498], window=2)
    True
    >>> plateaued([1.0, 0.5, 0.45, 0.40], window=2)
    False
    """
    _check_losses(losses, "losses")
    if window < 1:
        raise ValueError(f"window must be at least 1 epoch, got {window}")
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= (1 - tolerance) * min(losses[:-window])
