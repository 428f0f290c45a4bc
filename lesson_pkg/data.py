"""Data sets for the lessons: generated from a seed, or shipped inside the package.

Nothing is downloaded. Every generator takes a ``seed`` and gives the same tensors for
the same seed on every machine. Features are float32 tensors; class labels are int64
tensors of shape (N,); regression targets are float32 of shape (N, 1), the shape a model
with one output returns.
"""

from __future__ import annotations

import gzip
import math
from importlib import resources
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from lesson_pkg import validation

__all__ = [
    "Split",
    "load_digits",
    "make_blobs",
    "make_imbalanced",
    "make_loader",
    "make_moons",
    "make_regression",
    "make_spirals",
    "train_val_split",
]


class Split(NamedTuple):
    """Features and targets of the training, validation and test parts of a data set."""

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(validation.check_int(seed, "seed"))


def make_regression(
    n_samples: int = 100,
    n_features: int = 1,
    noise: float = 0.3,
    n_outliers: int = 0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A noisy straight line: ``y = 2 x_1 - x_2 + ... + 1 + noise``, with optional outliers.

    ``noise`` is the standard deviation of the Gaussian noise added to each target (so
    the true line's RMSE is about ``noise``). The features are uniform in [-2, 2]; the
    first ``n_outliers`` targets are pushed 15 units away, to show how each loss reacts
    to a few wild values.

    Returns
    -------
    features : (n_samples, n_features) float32
    targets : (n_samples, 1) float32

    Examples
    --------
    >>> features, targets = make_regression(n_samples=5)
    >>> features.shape, targets.shape
    (torch.Size([5, 1]), torch.Size([5, 1]))
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    n_features = validation.check_int(n_features, "n_features", minimum=1)
    noise = validation.check_real(noise, "noise", low=0.0)
    n_outliers = validation.check_int(n_outliers, "n_outliers", minimum=0)
    if n_outliers > n_samples:
        raise ValueError(f"n_outliers ({n_outliers}) cannot exceed n_samples ({n_samples})")
    generator = _generator(seed)
    features = torch.rand(n_samples, n_features, generator=generator) * 4 - 2
    slopes = torch.tensor([2.0 * (-0.5) ** index for index in range(n_features)])
    targets = features @ slopes + 1.0 + noise * torch.randn(n_samples, generator=generator)
    targets[:n_outliers] += 15.0
    return features, targets.unsqueeze(1)


def make_blobs(
    n_samples: int = 300, n_classes: int = 3, spread: float = 0.8, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Round clouds of 2-D points, one per class, centred on a circle of radius 3.

    Returns features (n_samples, 2) float32 and labels (n_samples,) int64.
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    n_classes = validation.check_int(n_classes, "n_classes", minimum=2)
    spread = validation.check_real(spread, "spread", low=0.0)
    generator = _generator(seed)
    labels = torch.arange(n_samples) % n_classes
    angles = 2 * math.pi * labels / n_classes
    centres = 3 * torch.stack([angles.cos(), angles.sin()], dim=1)
    features = centres + spread * torch.randn(n_samples, 2, generator=generator)
    return features.float(), labels


def make_moons(
    n_samples: int = 300, noise: float = 0.15, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles: classes no straight line can separate.

    Returns features (n_samples, 2) float32 and labels (n_samples,) int64.
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=2)
    noise = validation.check_real(noise, "noise", low=0.0)
    generator = _generator(seed)
    labels = torch.arange(n_samples) % 2
    angles = math.pi * torch.rand(n_samples, generator=generator)
    upper = torch.stack([angles.cos(), angles.sin()], dim=1)
    lower = torch.stack([1 - angles.cos(), 0.5 - angles.sin()], dim=1)
    features = torch.where(labels.unsqueeze(1) == 0, upper, lower)
    features = features + noise * torch.randn(n_samples, 2, generator=generator)
    return features.float(), labels


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Arms of a spiral, one per class: a hard 2-D problem for a small network.

    Returns features (n_samples, 2) float32 and labels (n_samples,) int64.
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    n_classes = validation.check_int(n_classes, "n_classes", minimum=2)
    noise = validation.check_real(noise, "noise", low=0.0)
    generator = _generator(seed)
    labels = torch.arange(n_samples) % n_classes
    radius = torch.rand(n_samples, generator=generator)
    angles = 4 * radius + 2 * math.pi * labels / n_classes
    angles = angles + noise * torch.randn(n_samples, generator=generator)
    features = radius.unsqueeze(1) * torch.stack([angles.cos(), angles.sin()], dim=1)
    return features.float(), labels


def make_imbalanced(
    n_samples: int = 1000, minority_fraction: float = 0.05, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two overlapping 2-D classes where class 1 is rare (5 % by default).

    A model that always predicts class 0 is right 95 % of the time yet useless: the
    accuracy paradox. Returns features (n_samples, 2) float32, labels (n_samples,) int64;
    exactly ``round(minority_fraction * n_samples)`` labels are 1, the last ones.
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=2)
    minority_fraction = validation.check_real(minority_fraction, "minority_fraction", 0.0, 0.5)
    generator = _generator(seed)
    n_minority = round(minority_fraction * n_samples)
    labels = torch.zeros(n_samples, dtype=torch.long)
    labels[n_samples - n_minority :] = 1
    features = torch.randn(n_samples, 2, generator=generator) + 1.5 * labels.unsqueeze(1)
    return features.float(), labels


def train_val_split(
    features: torch.Tensor, targets: torch.Tensor, val_fraction: float = 0.2, seed: int = 0
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Shuffle, then hold out ``val_fraction`` of the samples for validation.

    Returns ``(train_features, train_targets), (val_features, val_targets)``.
    """
    if len(features) != len(targets):
        raise ValueError(
            f"features and targets must hold the same number of samples, got "
            f"{len(features)} and {len(targets)}"
        )
    val_fraction = validation.check_real(val_fraction, "val_fraction", 0.0, 1.0)
    n_val = round(val_fraction * len(features))
    if not 0 < n_val < len(features):
        raise ValueError(
            f"val_fraction={val_fraction} of {len(features)} samples leaves an empty part"
        )
    order = torch.randperm(len(features), generator=_generator(seed))
    val, train = order[:n_val], order[n_val:]
    return (features[train], targets[train]), (features[val], targets[val])


def load_digits(val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """The 1,797 handwritten digits (8 x 8 pixels, 10 classes) shipped inside the package.

    The test set of the UCI "Optical Recognition of Handwritten Digits" data (CC BY 4.0;
    ``lesson_pkg/datasets/README.md`` names the source), the same rows as scikit-learn's
    ``load_digits``. Pixels are scaled from 0..16 to 0..1 and flattened to 64 features.
    The set is shuffled with ``seed`` and split into training, validation and test parts.

    Returns
    -------
    Split
        ``train``, ``val`` and ``test``, each ``(features (n, 64) float32, labels (n,) int64)``.
    """
    pixels, digits = _digits()
    features = torch.tensor(pixels, dtype=torch.float32) / 16.0
    labels = torch.tensor(digits, dtype=torch.long)
    test_fraction = validation.check_real(test_fraction, "test_fraction", 0.0, 1.0)
    rest, test = train_val_split(features, labels, test_fraction, seed)
    train, val = train_val_split(*rest, val_fraction / (1 - test_fraction), seed)
    return Split(train=train, val=val, test=test)


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped digits: pixel counts (1797, 64) and digits (1797,), both uint8."""
    with (resources.files("lesson_pkg") / "datasets" / "digits.csv.gz").open("rb") as packed:
        with gzip.open(packed, "rt", encoding="ascii") as text:
            rows = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    return rows[:, :64], rows[:, 64]


def make_loader(
    features: torch.Tensor,
    targets: torch.Tensor,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
    drop_last: bool = False,
) -> DataLoader:
    """A DataLoader over ``(features, targets)``; shuffled with its own seeded generator.

    With the same ``seed``, every run visits the batches in the same order, whatever else
    used torch's global random generator.

    Examples
    --------
    >>> loader = make_loader(torch.zeros(10, 2), torch.zeros(10), batch_size=4)
    >>> [len(inputs) for inputs, _ in loader]
    [4, 4, 2]
    """
    features = validation.as_tensor(features, "features")
    targets = validation.as_tensor(targets, "targets")
    if len(features) != len(targets):
        raise ValueError(
            f"features and targets must hold the same number of samples, got "
            f"{len(features)} and {len(targets)}"
        )
    if len(features) == 0:
        raise ValueError("cannot make a loader over 0 samples")
    batch_size = validation.check_int(batch_size, "batch_size", minimum=1)
    return DataLoader(
        TensorDataset(features, targets),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=_generator(seed),
        drop_last=drop_last,
    )
