"""The inputs the cases are made of: fixed tensors and seeded generated batches.

Every generator takes a seed and returns a list of calls, ``((args...), {options})``:
the same seed gives the same inputs on every machine, so the reference's results and a
submission's compare call by call.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch

REDUCTIONS = ("mean", "sum", "none")
RANKS = (0, 1, 2, 3)

Call = tuple[tuple[Any, ...], dict[str, Any]]


def vector(*values: float) -> torch.Tensor:
    """A 1-D float tensor of ``values``: ``vector(3.0, 2.0)``."""
    return torch.tensor(values)


def generator(seed: int) -> torch.Generator:
    """A torch random generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


def _shape(rank: int, random: torch.Generator) -> tuple[int, ...]:
    """A shape of ``rank`` whose first size (the batch) differs from its element count."""
    if rank == 0:
        return ()
    if rank == 1:
        return (int(torch.randint(2, 6, (1,), generator=random)),)
    return tuple(torch.randint(2, 5, (rank,), generator=random).tolist())


def pairs(seed: int, low: float = -3.0, high: float = 3.0) -> list[Call]:
    """Same-shape (input, target) pairs on the whole grid.

    Every reduction meets every rank (0 to 3) in float32 and float64. Higher ranks come
    first: a mistake shows there as a wrong value (which the hints can name) before a
    0-d input makes it raise.
    """
    random = generator(seed)
    calls = []
    grid = itertools.product(RANKS[::-1], REDUCTIONS, (torch.float32, torch.float64))
    for rank, reduction, dtype in grid:
        shape = _shape(rank, random)
        first = low + (high - low) * torch.rand(shape, generator=random, dtype=dtype)
        second = low + (high - low) * torch.rand(shape, generator=random, dtype=dtype)
        calls.append(((first, second), {"reduction": reduction}))
    return calls


def probabilities(seed: int) -> list[Call]:
    """Probabilities in [0.01, 0.99] and 0/1 targets of the same shape, on the grid."""
    calls = []
    for (first, second), options in pairs(seed, 0.0, 1.0):
        chances = first.clamp(0.01, 0.99)
        calls.append(((chances, (second > 0.5).to(first.dtype)), options))
    return calls


def logit_pairs(seed: int, scale: float = 4.0) -> list[Call]:
    """Logits (any rank) and 0/1 targets of the same shape."""
    calls = []
    for (first, second), options in pairs(seed, -scale, scale):
        calls.append(((first, (second > 0).to(first.dtype)), options))
    return calls


def signs(seed: int) -> list[Call]:
    """Scores and -1/+1 labels of the same shape, on the grid."""
    calls = []
    for (scores, labels), options in pairs(seed):
        calls.append(((scores, torch.where(labels > 0, 1.0, -1.0).to(scores.dtype)), options))
    return calls


def class_logits(seed: int, count: int, scale: float = 3.0, ignore: bool = False) -> list[Call]:
    """(N, C) logits with N > 1, and (N,) class targets, each reduction in turn.

    With ``ignore``, the first target of each batch is ignored, through the default
    ``ignore_index=-100`` in one call and a real class in the next.
    """
    random = generator(seed)
    calls = []
    for index in range(count):
        batch, classes = 2 + index % 5, 2 + index % 4
        logits = scale * (2 * torch.rand(batch, classes, generator=random) - 1)
        target = torch.randint(0, classes, (batch,), generator=random)
        options: dict[str, Any] = {"reduction": REDUCTIONS[index % 3]}
        if ignore:
            ignored = -100 if index % 2 else int(target[0])
            target[0] = ignored
            options["ignore_index"] = ignored
        calls.append(((logits, target), options))
    return calls


def labels_and_scores(seed: int, count: int) -> list[Call]:
    """Untied (N, C) scores (row permutations) and (N,) labels."""
    random = generator(seed)
    calls: list[Call] = []
    for index in range(count):
        batch, classes = 1 + 3 * index, 2 + index % 4
        scores = torch.stack([torch.randperm(classes, generator=random) for _ in range(batch)])
        target = torch.randint(0, classes, (batch,), generator=random)
        calls.append(((scores.float(), target), {}))
    return calls


def as_labels(calls: list[Call]) -> list[Call]:
    """The same calls with each (N, C) score matrix replaced by its argmax labels."""
    return [((scores.argmax(1), target), options) for (scores, target), options in calls]


def grid_of(calls: list[Call]) -> set[tuple[int, str]]:
    """The (rank of the input, reduction) pairs ``calls`` cover."""
    return {(args[0].dim(), options.get("reduction", "mean")) for args, options in calls}


def scenario(**overrides: Any) -> dict[str, Any]:
    """A seeded training run's description (see ``execution.build_scenario``)."""
    spec = {
        "seed": 0,
        "n_samples": 50,
        "batch_size": 16,
        "lr": 0.1,
        "task": "regression",
        "optimizer": "sgd",
    }
    return {**spec, **overrides}
