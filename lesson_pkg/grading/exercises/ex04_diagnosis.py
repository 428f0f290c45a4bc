"""Grading ``ex04_diagnosis``: what a practitioner reads off a loss curve.

For each graded function: its reference (``lesson_pkg.diagnosis``), its cases (fixed
curves and seeded generated ones), and its classic mistakes, each hint above its wrong
code.
"""

from __future__ import annotations

import math

import torch

from lesson_pkg import diagnosis
from lesson_pkg.grading.core.cases import Exercise
from lesson_pkg.grading.core.inputs import Call, generator

EXERCISE = Exercise("ex04_diagnosis")


def _decaying(random: torch.Generator, epochs: int) -> list[float]:
    """A falling loss curve, ``c + a * exp(-e / tau)``, rounded to 4 decimals."""
    a, tau = (torch.tensor([0.5, 1.0]) + torch.rand(2, generator=random) * 4).tolist()
    return [round(0.1 + a * math.exp(-epoch / tau), 4) for epoch in range(epochs)]


def _diverging_curves(seed: int) -> list[Call]:
    """Falling curves, curves growing past 10 times their start, curves turning NaN or inf.

    Each is unambiguous for the default factor of 10.
    """
    random = generator(seed)
    calls: list[Call] = []
    for index in range(9):
        curve = _decaying(random, 6 + index)
        if index % 3 == 1:  # blows up: x4 per epoch from the middle on
            middle = len(curve) // 2
            curve = curve[:middle] + [curve[middle - 1] * 4.0**k for k in range(1, middle + 1)]
        elif index % 3 == 2:  # NaN or inf from some epoch on
            broken = float("nan") if index % 2 else float("inf")
            curve = curve[: 2 + index // 3] + [broken] * 2
        calls.append(((curve,), {}))
    return calls


def _u_shaped(seed: int) -> list[Call]:
    """A falling training loss, and a validation loss falling until epoch ``m``, then rising.

    Overfitting from ``m`` when at least ``patience`` epochs follow it, else none.
    """
    random = generator(seed)
    calls: list[Call] = []
    for index in range(8):
        epochs = 8 + index
        train = _decaying(random, epochs)
        lowest = 2 + int(torch.randint(0, epochs - 3, (1,), generator=random))
        val = [
            round(0.4 + 0.05 * abs(epoch - lowest) + 0.001 * epoch, 4)
            for epoch in range(1, epochs + 1)
        ]
        calls.append(((train, val), {"patience": 1 + index % 4}))
    return calls


def _plateau_curves(seed: int) -> list[Call]:
    """Curves still falling fast at the end (by over 10 % per window) or flat within 0.1 %."""
    random = generator(seed)
    calls: list[Call] = []
    for index in range(8):
        window = 2 + index % 4
        falling = _decaying(random, 4 + window)
        flat = falling[:3] + [round(falling[2] * (1 - 0.0001 * k), 4) for k in range(1, window + 3)]
        calls.append((((flat if index % 2 else falling),), {"window": window}))
    return calls


# --- diverged -----------------------------------------------------------------
DIVERGED = EXERCISE.graded("diverged", diagnosis.diverged)
DIVERGED.case(
    "NaN or inf after falling losses",
    1,
    lambda: [
        (([1.0, 0.5, float("nan")],), {}),
        (([2.0, float("nan"), 0.1],), {}),
        (([1.0, 0.9, float("inf")],), {}),
    ],
)
DIVERGED.case(
    "[1, 3, 12] diverged, [1, 3, 9] did not (factor 10)",
    1,
    lambda: [(([1.0, 3.0, 12.0],), {}), (([1.0, 3.0, 9.0],), {}), (([1.0, 10.5],), {})],
)
DIVERGED.case(
    "exactly 10 times the first loss is not above it",
    1,
    lambda: [(([1.0, 10.0],), {}), (([2.0, 4.0, 8.0],), {"factor": 4.0})],
)
DIVERGED.case(
    "other factors",
    1,
    lambda: [
        (([1.0, 1.5, 2.5],), {"factor": 2.0}),
        (([1.0, 1.5, 1.9],), {"factor": 2.0}),
        (([1.0, 40.0, 60.0],), {"factor": 100.0}),
    ],
)
DIVERGED.case(
    "doubling every epoch passes 10 times the first loss",
    1,
    lambda: [(([1.0, 2.0, 4.0, 8.0, 16.0],), {}), (([0.5, 1.0, 2.0, 4.0],), {})],
)
DIVERGED.case(
    "a rise from the lowest loss, still below 10 times the first",
    1,
    lambda: [(([1.0, 0.05, 0.3, 0.6],), {}), (([2.0, 0.1, 1.5, 1.9],), {})],
)
DIVERGED.case(
    "infinity is not finite either, at the first epoch or as -inf",
    1,
    lambda: [(([float("inf"), 1.0],), {}), (([1.0, float("-inf")],), {})],
)
DIVERGED.case("18 generated curves", 1, lambda: _diverging_curves(30) + _diverging_curves(31))


@DIVERGED.mistake(
    "an infinite loss has diverged too, inf or -inf: test each loss with math.isfinite, "
    "not math.isnan"
)
def diverged_misses_infinity(losses, factor=10.0):
    return any(math.isnan(loss) or loss > factor * losses[0] for loss in losses)


@DIVERGED.mistake(
    "a NaN compares False with everything (nan > x is False): test each loss with math.isfinite"
)
def diverged_misses_nan(losses, factor=10.0):
    return any(loss > factor * losses[0] for loss in losses)


@DIVERGED.mistake("use the factor argument, not a fixed 10")
def diverged_ignores_factor(losses, factor=10.0):
    return any(not math.isfinite(loss) or loss > 10.0 * losses[0] for loss in losses)


@DIVERGED.mistake(
    "compare every loss with the first epoch's, factor * losses[0], not with the epoch before it"
)
def diverged_against_previous_epoch(losses, factor=10.0):
    if not all(math.isfinite(loss) for loss in losses):
        return True
    return any(losses[i + 1] > factor * losses[i] for i in range(len(losses) - 1))


@DIVERGED.mistake(
    "compare with the first epoch's loss, not the lowest: a loss may rise from its "
    "lowest point without diverging"
)
def diverged_against_lowest_loss(losses, factor=10.0):
    if not all(math.isfinite(loss) for loss in losses):
        return True
    return max(losses) > factor * min(losses)


@DIVERGED.mistake(
    "the rule has two parts: a loss that is not finite (NaN or inf, test it with "
    "math.isfinite), or a loss above factor * losses[0]"
)
def diverged_checks_only_nan(losses, factor=10.0):
    return any(math.isnan(loss) for loss in losses)


@DIVERGED.mistake(
    "a loss exactly factor times the first is not above it: compare loss > factor * "
    "losses[0], not >="
)
def diverged_at_factor(losses, factor=10.0):
    return any(not math.isfinite(loss) or loss >= factor * losses[0] for loss in losses)


@DIVERGED.mistake("return a Python bool: call .item() (or bool(...)) on the tensor")
def diverged_returns_tensor(losses, factor=10.0):
    curve = torch.tensor(losses)
    return (~torch.isfinite(curve)).any() | (curve > factor * curve[0]).any()


# --- overfitting_from ---------------------------------------------------------
OVERFITTING_FROM = EXERCISE.graded("overfitting_from", diagnosis.overfitting_from)
OVERFITTING_FROM.case(
    "the docstring's examples",
    1,
    lambda: [
        (([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.8, 0.9, 1.0]), {}),
        (([1.0, 0.8, 0.6], [1.0, 0.7, 0.5]), {}),
    ],
)
OVERFITTING_FROM.case(
    "one rise of the validation loss is noise; a fall inside the window breaks the run",
    1,
    lambda: [
        (
            (
                [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3],
                [1.0, 0.8, 0.85, 0.7, 0.6, 0.55, 0.6, 0.65, 0.7, 0.75],
            ),
            {},
        ),
        (([1.0, 0.9, 0.8, 0.7, 0.6], [1.0, 0.8, 0.9, 0.7, 0.6]), {}),
        (  # two rises and a dip (as in notebook 05's run), then three rises: epoch 5, not 2
            (
                [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
                [0.5, 0.4, 0.45, 0.5, 0.38, 0.5, 0.55, 0.6],
            ),
            {},
        ),
        (
            (
                [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
                [1.0, 0.7, 0.75, 0.6, 0.8, 0.7, 0.9, 1.0, 1.1, 1.2],
            ),
            {},
        ),
    ],
)
OVERFITTING_FROM.case(
    "both losses rising is divergence, not overfitting",
    1,
    lambda: [
        (([1.0, 0.8, 0.6, 0.7, 0.9, 1.2], [1.0, 0.85, 0.7, 0.8, 1.0, 1.3]), {}),
        (([1.0, 0.8, 0.6, 0.7, 0.9, 1.2], [1.0, 0.85, 0.7, 0.8, 1.0, 1.3]), {"patience": 1}),
    ],
)
OVERFITTING_FROM.case(
    "the first onset, even if the validation loss later falls lower",
    1,
    lambda: [
        (
            (
                [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
                [1.0, 0.6, 0.65, 0.7, 0.75, 0.5, 0.4, 0.3],
            ),
            {},
        ),
    ],
)
OVERFITTING_FROM.case(
    "a flat validation or training loss neither rises nor falls",
    1,
    lambda: [
        (([1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0, 0.7, 0.7, 0.7, 0.7, 0.5]), {}),
        (([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.7, 0.7, 0.7]), {}),
        (([1.0, 0.5, 0.5, 0.5, 0.5], [1.0, 0.7, 0.8, 0.9, 1.0]), {}),
    ],
)
OVERFITTING_FROM.case(
    "the training loss may wobble inside the window; it need only end lower",
    1,
    lambda: [
        (([1.0, 0.8, 0.82, 0.7, 0.6, 0.65], [1.0, 0.7, 0.8, 0.9, 1.0, 1.1]), {}),
        (
            (
                [0.5, 0.4, 0.41, 0.3, 0.35, 0.36, 0.25, 0.2],
                [0.6, 0.5, 0.55, 0.6, 0.58, 0.6, 0.62, 0.65],
            ),
            {"patience": 2},
        ),
    ],
)
OVERFITTING_FROM.case("8 generated U-shaped validation curves", 1, lambda: _u_shaped(32))


@OVERFITTING_FROM.mistake("epochs are counted from 1: add 1 to the list index")
def overfitting_counted_from_zero(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return start
    return None


@OVERFITTING_FROM.mistake(
    "the training loss must fall while the validation loss rises: both rising is "
    "divergence, not overfitting"
)
def overfitting_ignores_training_loss(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        if all(val_losses[i + 1] > val_losses[i] for i in range(start, start + patience)):
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "the window needs `patience` rises, val[e + k] > val[e + k - 1] for k = 1 ... "
    "patience: yours accepts one fewer"
)
def overfitting_window_one_rise_short(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end - 1))
        if rising and train_losses[end] < train_losses[start]:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "compare the training loss at the end of the window, train[e + patience] < train[e], "
    "not at an epoch inside it: it may wobble above train[e] in between"
)
def overfitting_training_below_start_throughout(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        below = all(train_losses[i] < train_losses[start] for i in range(start + 1, end + 1))
        if rising and below:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "return the epoch before the first rise, e with val[e + 1] > val[e] (1-based), the "
    "last epoch before the climb: not the first rising epoch, e + 1"
)
def overfitting_returns_first_rising_epoch(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return start + 2
    return None


@OVERFITTING_FROM.mistake("one rise is not enough: require `patience` rises in a row")
def overfitting_ignores_patience(train_losses, val_losses, patience=3):
    for i in range(len(val_losses) - 1):
        if val_losses[i + 1] > val_losses[i] and train_losses[i + 1] < train_losses[i]:
            return i + 1
    return None


@OVERFITTING_FROM.mistake(
    "return the epoch after which the rises start, not the epoch where the last of them is seen"
)
def overfitting_returns_detection_epoch(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return end + 1
    return None


@OVERFITTING_FROM.mistake("use the patience argument, not a fixed 3")
def overfitting_ignores_patience_argument(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - 3):
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, start + 3))
        if rising and train_losses[start + 3] < train_losses[start]:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "compare each epoch of the window with the epoch before it, val[e + k] > "
    "val[e + k - 1], not with the window's start: a fall inside the window breaks the run"
)
def overfitting_rises_above_start(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i] > val_losses[start] for i in range(start + 1, end + 1))
        if rising and train_losses[end] < train_losses[start]:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "the training loss need only be lower at the end of the window, "
    "train[e + patience] < train[e]; it may wobble in between"
)
def overfitting_training_falls_every_epoch(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        falling = all(train_losses[i + 1] < train_losses[i] for i in range(start, end))
        if rising and falling:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "a rise is strict, val[e + k] > val[e + k - 1]: a flat validation loss does not rise"
)
def overfitting_flat_counts_as_rise(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] >= val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return start + 1
    return None


@OVERFITTING_FROM.mistake(
    "the last start index is len(val_losses) - patience - 1 (0-based): loop over "
    "range(len(val_losses) - patience)"
)
def overfitting_misses_last_start(train_losses, val_losses, patience=3):
    for start in range(len(val_losses) - patience - 1):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            return start + 1
    return None


@OVERFITTING_FROM.mistake("return the first onset, not the last: stop at the first match")
def overfitting_returns_last_onset(train_losses, val_losses, patience=3):
    onset = None
    for start in range(len(val_losses) - patience):
        end = start + patience
        rising = all(val_losses[i + 1] > val_losses[i] for i in range(start, end))
        if rising and train_losses[end] < train_losses[start]:
            onset = start + 1
    return onset


@OVERFITTING_FROM.mistake(
    "the lowest validation loss is not the onset: look for the first `patience` rises "
    "of the validation loss while the training loss ends lower"
)
def overfitting_lowest_validation_epoch(train_losses, val_losses, patience=3):
    best = val_losses.index(min(val_losses))
    return best + 1 if best + patience < len(val_losses) else None


# --- plateaued ----------------------------------------------------------------
PLATEAUED = EXERCISE.graded("plateaued", diagnosis.plateaued)
PLATEAUED.case(
    "the docstring's examples",
    1,
    lambda: [
        (([1.0, 0.5, 0.499, 0.498],), {"window": 2}),
        (([1.0, 0.5, 0.45, 0.40],), {"window": 2}),
    ],
)
PLATEAUED.case(
    "the tolerance is a fraction of the earlier best",
    1,
    lambda: [
        (([100.0, 80.0, 60.0, 59.7, 59.6, 59.5],), {"window": 3}),
        (([0.004, 0.002, 0.001],), {"window": 1}),
        (([1.0, 0.9, 0.85, 0.84],), {"window": 1, "tolerance": 0.05}),
    ],
)
PLATEAUED.case(
    "compared with the best before the window, not the first or the last epoch before it",
    1,
    lambda: [
        (([1.0, 0.5, 0.5, 0.499, 0.498],), {"window": 2}),
        (([1.0, 0.5, 0.8, 0.52, 0.51],), {"window": 2}),
    ],
)
PLATEAUED.case(
    "the best of the window, not its last epoch or its mean",
    1,
    lambda: [(([1.0, 0.5, 0.3, 0.6],), {"window": 2}), (([1.0, 0.5, 0.9, 0.3],), {"window": 2})],
)
PLATEAUED.case(
    "the window holds exactly `window` epochs",
    1,
    lambda: [(([1.0, 0.9, 0.5, 0.499, 0.498],), {"window": 2})],
)
PLATEAUED.case(
    "window epochs or fewer: too early to tell",
    1,
    lambda: [(([1.0, 0.9],), {}), (([1.0, 1.0, 1.0],), {"window": 3})],
)
PLATEAUED.case(
    "the defaults: a window of 5 epochs, a tolerance of 1 %",
    1,
    lambda: [
        (([1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],), {}),
        (([1.0, 0.5, 0.499, 0.498, 0.497, 0.496, 0.494],), {}),
    ],
)
PLATEAUED.case(
    "no gain at all is a plateau, even with a tolerance of 0",
    1,
    lambda: [(([0.5, 0.5, 0.5],), {"window": 1, "tolerance": 0.0})],
)
PLATEAUED.case(
    "a window longer than half the run",
    1,
    lambda: [(([1.0, 0.9, 1.0],), {"window": 2}), (([1.0, 0.95, 0.9],), {"window": 2})],
)
PLATEAUED.case("8 generated curves, falling or flat", 1, lambda: _plateau_curves(33))


@PLATEAUED.mistake(
    "the tolerance is relative: compare with (1 - tolerance) * the earlier best, not "
    "the earlier best minus tolerance"
)
def plateaued_absolute_tolerance(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= min(losses[:-window]) - tolerance


@PLATEAUED.mistake(
    "compare with the best loss before the window, min(losses[:-window]), not the "
    "last epoch before it"
)
def plateaued_against_last_epoch_before_window(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= (1 - tolerance) * losses[-window - 1]


@PLATEAUED.mistake("use the best loss of the window, min(losses[-window:]), not its last epoch")
def plateaued_compares_last_loss(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return losses[-1] >= (1 - tolerance) * min(losses[:-window])


@PLATEAUED.mistake("the window is the last `window` epochs, losses[-window:]: yours holds one more")
def plateaued_window_one_too_long(losses, window=5, tolerance=0.01):
    if len(losses) <= window + 1:
        return False
    return min(losses[-window - 1 :]) >= (1 - tolerance) * min(losses[: -window - 1])


@PLATEAUED.mistake("use the best loss of the window, min(losses[-window:]), not its mean")
def plateaued_compares_window_mean(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    recent = losses[-window:]
    return sum(recent) / window >= (1 - tolerance) * min(losses[:-window])


@PLATEAUED.mistake("no gain at all is a plateau: compare the window's best with >=, not >")
def plateaued_strict(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) > (1 - tolerance) * min(losses[:-window])


@PLATEAUED.mistake("window epochs or fewer are too early to tell: return False")
def plateaued_true_when_short(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return True
    return min(losses[-window:]) >= (1 - tolerance) * min(losses[:-window])


@PLATEAUED.mistake(
    "compare with the best loss before the window, min(losses[:-window]), not the first loss"
)
def plateaued_against_first_loss(losses, window=5, tolerance=0.01):
    if len(losses) <= window:
        return False
    return min(losses[-window:]) >= (1 - tolerance) * losses[0]
