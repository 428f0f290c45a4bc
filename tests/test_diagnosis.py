"""lesson_pkg.diagnosis: the three checks on curves whose answer is known, and bad input."""

import math

import pytest

from lesson_pkg.diagnosis import diverged, overfitting_from, plateaued


def test_diverged_sees_nan_inf_and_growth_past_the_factor():
    assert diverged([1.0, 0.5, math.nan]) and diverged([1.0, math.inf])
    assert diverged([1.0, 3.0, 12.0]) and not diverged([1.0, 3.0, 9.0])
    assert diverged([1.0, 2.5], factor=2.0) and not diverged([1.0, 0.01, 0.5])


def test_overfitting_from_needs_patience_rises_while_training_falls():
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3]
    assert overfitting_from(train, [1.0, 0.7, 0.8, 0.9, 1.0, 1.1]) == 2
    assert overfitting_from(train, [1.0, 0.7, 0.8, 0.6, 0.5, 0.4]) is None  # one rise
    assert overfitting_from(train, [1.0, 0.7, 0.8, 0.6, 0.5, 0.4], patience=1) == 2
    rising_train = [1.0, 0.8, 0.9, 1.0, 1.1, 1.2]
    assert overfitting_from(rising_train, [1.0, 0.7, 0.8, 0.9, 1.0, 1.1]) is None


def test_plateaued_compares_the_window_with_the_best_before_it_relatively():
    assert plateaued([100.0, 60.0, 59.8, 59.9], window=2)
    assert not plateaued([0.004, 0.002, 0.001], window=1)
    assert not plateaued([1.0, 1.0], window=5)  # too early to tell


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: diverged([]), ValueError, "at least one epoch"),
        (lambda: diverged("0.5"), TypeError, "list of per-epoch losses"),
        (lambda: overfitting_from([1.0, 0.5], [1.0]), ValueError, "got 2 and 1"),
        (lambda: overfitting_from([1.0], [1.0], patience=0), ValueError, "at least 1, got 0"),
        (lambda: plateaued([1.0], window=0), ValueError, "at least 1 epoch, got 0"),
    ],
)
def test_bad_input_says_what_was_expected_and_received(call, error, message):
    with pytest.raises(error, match=message):
        call()
