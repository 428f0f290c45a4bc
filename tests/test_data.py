"""The data sets: seeded, shaped as documented, and shipped (nothing is downloaded)."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from lesson_pkg import data

GENERATORS = {
    "blobs": lambda seed: data.make_blobs(90, seed=seed),
    "moons": lambda seed: data.make_moons(90, seed=seed),
    "spirals": lambda seed: data.make_spirals(90, seed=seed),
    "imbalanced": lambda seed: data.make_imbalanced(100, seed=seed),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_classification_sets_are_seeded_and_shaped(name):
    features, labels = GENERATORS[name](0)
    again, again_labels = GENERATORS[name](0)
    other, _ = GENERATORS[name](1)
    assert torch.equal(features, again) and torch.equal(labels, again_labels)
    assert not torch.equal(features, other)
    assert features.dtype == torch.float32 and features.shape == (len(labels), 2)
    assert labels.dtype == torch.int64 and labels.dim() == 1


def test_every_class_is_present_in_balanced_sets():
    for _, labels in (data.make_blobs(90, n_classes=3), data.make_spirals(90, n_classes=3)):
        assert torch.bincount(labels).tolist() == [30, 30, 30]
    assert torch.bincount(data.make_moons(90)[1]).tolist() == [45, 45]


def test_imbalanced_set_is_95_to_5():
    _, labels = data.make_imbalanced(1000)
    assert torch.bincount(labels).tolist() == [950, 50]


def test_regression_targets_have_the_model_output_shape_and_outliers():
    features, targets = data.make_regression(50, n_outliers=3, noise=0.0, seed=0)
    assert features.shape == (50, 1) and targets.shape == (50, 1)
    residuals = targets[:, 0] - (2 * features[:, 0] + 1)
    assert torch.allclose(residuals[3:], torch.zeros(47), atol=1e-5)
    assert torch.allclose(residuals[:3], torch.full((3,), 15.0), atol=1e-5)


def test_train_val_split_partitions_the_samples():
    features = torch.arange(20.0).unsqueeze(1)
    (train_x, train_y), (val_x, val_y) = data.train_val_split(features, torch.arange(20), 0.25)
    assert len(val_x) == 5 and len(train_x) == 15
    together = torch.cat([train_y, val_y]).sort().values
    assert torch.equal(together, torch.arange(20))
    assert torch.equal(train_x[:, 0].long(), train_y)


def test_digits_ship_with_the_package_and_split_three_ways():
    split = data.load_digits(val_fraction=0.2, test_fraction=0.2, seed=0)
    sizes = [len(part[1]) for part in split]
    assert sum(sizes) == 1797
    assert sizes == [1078, 360, 359]  # test: round(0.2 * 1797); val: round(0.25 * 1438)
    features, labels = split.train
    assert features.shape[1] == 64 and features.dtype == torch.float32
    assert 0.0 <= features.min() and features.max() <= 1.0
    assert set(labels.tolist()) == set(range(10))


def test_the_shipped_digits_are_scikit_learns_exactly():
    from sklearn.datasets import load_digits as sklearn_load_digits

    reference = sklearn_load_digits()
    pixels, digits = data._digits()
    assert pixels.shape == (1797, 64) and digits.shape == (1797,)
    assert np.array_equal(pixels, reference.data) and np.array_equal(digits, reference.target)
    # the split is the one scikit-learn's arrays give through the same steps
    features = torch.tensor(reference.data, dtype=torch.float32) / 16.0
    rest, test = data.train_val_split(features, torch.tensor(reference.target), 0.2, seed=3)
    train, val = data.train_val_split(*rest, 0.2 / 0.8, seed=3)
    split = data.load_digits(0.2, 0.2, seed=3)
    for ours, theirs in zip(split, (train, val, test), strict=True):
        assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])


def test_load_digits_needs_no_scikit_learn():
    code = (
        "import sys; from lesson_pkg.data import load_digits; load_digits(); "
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr


def test_loader_order_depends_only_on_its_seed():
    features, labels = torch.arange(50.0).unsqueeze(1), torch.arange(50)

    def first_batch(seed):
        torch.manual_seed(123)  # the global generator must not matter
        return next(iter(data.make_loader(features, labels, 10, seed=seed)))[1]

    assert torch.equal(first_batch(0), first_batch(0))
    assert not torch.equal(first_batch(0), first_batch(1))
    unshuffled = next(iter(data.make_loader(features, labels, 10, shuffle=False)))[1]
    assert torch.equal(unshuffled, torch.arange(10))


@pytest.mark.parametrize(
    ("call", "error_type", "fragment"),
    [
        (lambda: data.make_loader(torch.zeros(3, 2), torch.zeros(4)), ValueError, "3 and 4"),
        (lambda: data.make_loader(torch.zeros(0, 2), torch.zeros(0)), ValueError, "0 samples"),
        (
            lambda: data.make_loader(torch.zeros(3, 2), torch.zeros(3), batch_size=0),
            ValueError,
            "batch_size",
        ),
        (lambda: data.make_moons(n_samples=10.5), TypeError, "n_samples"),
        (lambda: data.make_regression(10, n_outliers=11), ValueError, "n_outliers"),
        (
            lambda: data.train_val_split(torch.zeros(4, 1), torch.zeros(4), 0.01),
            ValueError,
            "empty part",
        ),
    ],
)
def test_bad_arguments_are_rejected(call, error_type, fragment):
    with pytest.raises(error_type, match=fragment):
        call()
