"""Exercise 2: steps, epochs and the training loop.

Each function has the same name as its reference in ``lesson_pkg.training``; ``fit``
and ``best_epoch`` are simplified: ``fit`` returns the list of per-epoch training losses
(unlike ``lesson_pkg.training.fit``, which returns a ``History``), ``best_epoch`` works on
a plain list. Calling the ``lesson_pkg`` reference earns no points.
"""

import math


def steps_per_epoch(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    """Number of optimizer steps (batches) in one epoch.

    Every batch holds ``batch_size`` samples except perhaps the last, shorter one, which is
    a step too, unless ``drop_last`` throws it away.

    Examples: 10,000 samples at batch size 32 give 313 steps (312 with ``drop_last``).

    Hint: which of ``math.floor`` and ``math.ceil`` keeps the short last batch?
    """
    raise NotImplementedError("write this function: see its docstring")


def train_one_epoch(model, loader, loss_fn, optimizer) -> float:
    """Train ``model`` for one pass over ``loader``; return the epoch's mean training loss.

    First ``model.train()`` (training mode: dropout on). Then, for every batch
    ``(inputs, targets)``, the five steps: zero the gradients, forward, loss, backward,
    optimizer step. The returned mean is per sample: weight each batch's
    loss by its size, so that a short last batch counts less
    (``sum(loss_b * size_b) / sum(size_b)``, where ``size_b = len(inputs)`` is the
    number of samples in batch ``b``; ``loader.batch_size`` is only the nominal size,
    which the short last batch does not have). ``loss_fn(outputs, targets)`` returns the *mean*
    loss of its batch, a 0-d tensor (like ``F.cross_entropy``): that is why it is
    multiplied by the batch's size.

    Example: two batches, of 32 and 12 samples, whose losses are 0.5 and 0.8, give
    ``(0.5 * 32 + 0.8 * 12) / 44 = 25.6 / 44 = 0.5818`` (not ``(0.5 + 0.8) / 2 = 0.65``).

    Hint: ``loss.item()`` turns the 0-d loss tensor into a Python float.
    """
    raise NotImplementedError("write this function: see its docstring")


def fit(model, train_loader, loss_fn, optimizer, epochs: int) -> list[float]:
    """Train for ``epochs`` epochs and return the list of per-epoch mean training losses.

    The result is a plain list of ``epochs`` Python floats. Keep training the same model
    with the same optimizer from epoch to epoch (reset neither).

    Hint: one call of :func:`train_one_epoch` per epoch. ``fit`` is graded with your
    ``train_one_epoch``: get that one to pass ``check("train_one_epoch")`` first.
    """
    raise NotImplementedError("write this function: see its docstring")


def best_epoch(values: list[float], mode: str = "min") -> int:
    """The epoch, counted from 1, with the lowest value (``mode="min"``, for a loss) or the
    highest (``mode="max"``, for an accuracy). Ties go to the earliest epoch.

    Example: ``best_epoch([0.9, 0.5, 0.7])`` is ``2``.

    Return a Python ``int``: ``np.argmin`` gives a ``numpy.int64``, so wrap it,
    ``int(np.argmin(values)) + 1``.
    """
    raise NotImplementedError("write this function: see its docstring")
