"""Grading ``ex02_epochs``: steps, the training loop, ``fit`` and the best epoch.

For each graded function: its reference (``lesson_pkg.training``), its cases (seeded
training scenarios, see ``execution.build_scenario``), and its classic mistakes, each
hint above its wrong code.
"""

from __future__ import annotations

import math

import torch

from lesson_pkg import training
from lesson_pkg.grading.core.cases import Check, Exercise
from lesson_pkg.grading.core.inputs import scenario

EXERCISE = Exercise("ex02_epochs")


def _fit_losses(model, train_loader, loss_fn, optimizer, epochs: int) -> list[float]:
    """The reference of the simplified ``fit`` exercise: per-epoch training losses."""
    history = training.fit(
        model, train_loader, loss_fn, optimizer, epochs, metrics={}, progress=False, device="cpu"
    )
    return history.column("train_loss")


def _best_epoch(values: list[float], mode: str = "min") -> int:
    """The reference of the ``best_epoch`` exercise, through ``History.best_epoch``."""
    rows = [{"epoch": index + 1, "value": value} for index, value in enumerate(values)]
    return training.History(rows=rows).best_epoch("value", mode)


# --- steps_per_epoch ----------------------------------------------------------
STEPS = EXERCISE.graded("steps_per_epoch", training.steps_per_epoch)
STEPS.case("10,000 samples at batch size 32 is 313 steps", 1, lambda: [((10_000, 32), {})])
STEPS.case(
    "drop_last drops the short last batch",
    1,
    lambda: [((10_000, 32), {"drop_last": True}), ((5, 2), {"drop_last": True})],
)
STEPS.case(
    "exact multiples and sets smaller than a batch",
    1,
    lambda: [
        ((64, 32), {}),
        ((64, 32), {"drop_last": True}),
        ((1, 32), {}),
        ((31, 32), {"drop_last": True}),
        ((7, 1), {}),
    ],
)


DROPS_LAST_BATCH = (
    "floor (n // batch_size) and round() drop the short last batch (round turns 312.5 "
    "into 312): use math.ceil(n / batch_size) unless drop_last"
)


@STEPS.mistake(DROPS_LAST_BATCH)
def steps_floor_instead_of_ceil(n_samples, batch_size, drop_last=False):
    return n_samples // batch_size


@STEPS.mistake(DROPS_LAST_BATCH)
def steps_rounded(n_samples, batch_size, drop_last=False):
    if drop_last:
        return n_samples // batch_size
    return round(n_samples / batch_size)


@STEPS.mistake("with drop_last=True the short last batch is not a step")
def steps_ignore_drop_last(n_samples, batch_size, drop_last=False):
    return math.ceil(n_samples / batch_size)


@STEPS.mistake("return a whole number of steps (an int), not a float")
def steps_as_float(n_samples, batch_size, drop_last=False):
    if drop_last:
        return float(n_samples // batch_size)
    return n_samples / batch_size


@STEPS.mistake(
    "n // batch_size + 1 counts one step too many when the batch size divides n exactly "
    "(64 samples at 32 a batch are 2 steps, not 3): use math.ceil(n / batch_size)"
)
def steps_floor_plus_one(n_samples, batch_size, drop_last=False):
    if drop_last:
        return n_samples // batch_size
    return n_samples // batch_size + 1


@STEPS.mistake(
    "with drop_last, ceil(n / batch_size) - 1 is one step too few when the batch size "
    "divides n exactly (64 samples at 32 a batch are 2 full batches): use n // batch_size"
)
def steps_drop_last_as_ceil_minus_one(n_samples, batch_size, drop_last=False):
    if drop_last:
        return math.ceil(n_samples / batch_size) - 1
    return math.ceil(n_samples / batch_size)


# --- train_one_epoch ----------------------------------------------------------
TRAIN_ONE_EPOCH = EXERCISE.graded("train_one_epoch", training.train_one_epoch)
TRAIN_ONE_EPOCH.case(
    "weights after one epoch of SGD", 1, lambda: [((scenario(),), {})], Check.SCENARIO_WEIGHTS
)
TRAIN_ONE_EPOCH.case(
    "a model handed over in evaluation mode trains with dropout on",
    1,
    lambda: [((scenario(dropout=0.5, start_in_eval=True),), {})],
    Check.SCENARIO_WEIGHTS,
)
TRAIN_ONE_EPOCH.case(
    "returns the per-sample mean loss (short last batch)",
    2,
    lambda: [((scenario(),), {}), ((scenario(n_samples=37, batch_size=8),), {})],
    Check.SCENARIO_VALUE,
)
TRAIN_ONE_EPOCH.case(
    "classification with Adam",
    1,
    lambda: [((scenario(task="classification", optimizer="adam", lr=0.01),), {})],
    Check.SCENARIO_WEIGHTS,
)


NEVER_STEPPED = (
    "the weights never changed: optimizer.step() must come after loss.backward() with no "
    "zero_grad() in between, so that it sees the gradients backward() left in .grad "
    "(zero them at the start of each step)"
)


@TRAIN_ONE_EPOCH.mistake(NEVER_STEPPED)
def epoch_never_steps(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@TRAIN_ONE_EPOCH.mistake(NEVER_STEPPED)
def epoch_zero_grad_before_step(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@TRAIN_ONE_EPOCH.mistake(
    "gradients pile up across steps: call optimizer.zero_grad() at the start of every step"
)
def epoch_never_zeroes_gradients(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@TRAIN_ONE_EPOCH.mistake(
    "you averaged the batch means (or weighted every batch by loader.batch_size, the "
    "nominal size, which comes to the same): weight each batch's loss by its real size, "
    "len(inputs), so a short last batch counts less"
)
def epoch_mean_of_batch_means(model, loader, loss_fn, optimizer):
    model.train()
    batch_losses = []
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    return sum(batch_losses) / len(batch_losses)


@TRAIN_ONE_EPOCH.mistake(
    "loader.batch_size is the nominal size: the last batch may be shorter (37 samples at 8 "
    "a batch end with 5); weight each batch's loss by its real size, len(inputs)"
)
def epoch_weights_by_nominal_batch_size(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * loader.batch_size
    return total / len(loader.dataset)


@TRAIN_ONE_EPOCH.mistake(
    "you divided the size-weighted sum by the number of batches: divide it by the number "
    "of samples, the sum of len(inputs)"
)
def epoch_divides_by_batch_count(model, loader, loss_fn, optimizer):
    model.train()
    total, batches = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        batches += 1
    return total / batches


@TRAIN_ONE_EPOCH.mistake(
    "you measured the loss again after optimizer.step(): record the loss of the forward "
    "pass you trained on (a second forward pass also draws new dropout masks)"
)
def epoch_loss_measured_after_step(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
        with torch.no_grad():
            total += loss_fn(model(inputs), targets).item() * len(inputs)
        count += len(inputs)
    return total / count


SUMMED_NOT_AVERAGED = (
    "your result is a sum, not the epoch's mean: divide the size-weighted sum of the batch "
    "losses by the number of samples, the sum of len(inputs)"
)


@TRAIN_ONE_EPOCH.mistake(SUMMED_NOT_AVERAGED)
def epoch_weighted_sum_not_divided(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
    return total


@TRAIN_ONE_EPOCH.mistake(SUMMED_NOT_AVERAGED)
def epoch_sum_of_batch_losses(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


@TRAIN_ONE_EPOCH.mistake("you returned the last batch's loss, not the epoch's mean")
def epoch_returns_last_batch_loss(model, loader, loss_fn, optimizer):
    model.train()
    loss = None
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return loss.item()


@TRAIN_ONE_EPOCH.mistake(
    "the model may come back in evaluation mode (evaluate leaves it so): call "
    "model.train() first, or dropout stays off while it trains"
)
def epoch_forgets_training_mode(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


# --- fit ----------------------------------------------------------------------
FIT = EXERCISE.graded("fit", _fit_losses)
FIT.case(
    "per-epoch training losses over 3 epochs",
    1,
    lambda: [((scenario(epochs=3),), {})],
    Check.SCENARIO_VALUE,
)
FIT.case(
    "momentum and Adam's moments carry over from epoch to epoch",
    1,
    lambda: [
        ((scenario(epochs=3, momentum=0.9),), {}),
        ((scenario(epochs=3, task="classification", optimizer="adam", lr=0.01),), {}),
    ],
    Check.SCENARIO_WEIGHTS,
)
FIT.case("weights after 3 epochs", 1, lambda: [((scenario(epochs=3),), {})], Check.SCENARIO_WEIGHTS)


@FIT.mistake(NEVER_STEPPED)
def fit_never_steps(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


@FIT.mistake(
    "keep the optimizer you were given for every epoch: a new one (or a reset) "
    "forgets momentum and Adam's running averages"
)
def fit_restarts_the_optimizer(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        fresh = type(optimizer)(model.parameters(), **optimizer.defaults)
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            fresh.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            fresh.step()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


@FIT.mistake("one epoch is missing: range(epochs) runs exactly `epochs` times")
def fit_one_epoch_too_few(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs - 1):
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(inputs)
            count += len(inputs)
        history.append(total / count)
    return history


# --- best_epoch ---------------------------------------------------------------
BEST_EPOCH = EXERCISE.graded("best_epoch", _best_epoch)
BEST_EPOCH.case("[0.9, 0.5, 0.7] is epoch 2", 1, lambda: [(([0.9, 0.5, 0.7],), {})])
BEST_EPOCH.case(
    "mode='max' for an accuracy", 1, lambda: [(([0.5, 0.8, 0.9, 0.85],), {"mode": "max"})]
)
BEST_EPOCH.case(
    "ties go to the earliest epoch",
    1,
    lambda: [(([0.6, 0.4, 0.4],), {}), (([0.6, 0.9, 0.9, 0.5],), {"mode": "max"})],
)


@BEST_EPOCH.mistake("epochs are counted from 1: add 1 to the list index")
def best_epoch_counted_from_zero(values, mode="min"):
    best = min(values) if mode == "min" else max(values)
    return values.index(best)


@BEST_EPOCH.mistake("with mode='max' the best value is the highest (an accuracy)")
def best_epoch_ignores_mode(values, mode="min"):
    return values.index(min(values)) + 1


@BEST_EPOCH.mistake(
    "a tie goes to the earliest epoch: keep the first best value (values.index), not the last one"
)
def best_epoch_last_of_ties(values, mode="min"):
    best = min(values) if mode == "min" else max(values)
    return max(index for index, value in enumerate(values) if value == best) + 1


@BEST_EPOCH.mistake("return a Python int, not a tensor: e.g. int(np.argmin(values)) + 1")
def best_epoch_as_a_tensor(values, mode="min"):
    scores = torch.tensor(values)
    best = torch.argmin(scores) if mode == "min" else torch.argmax(scores)
    return best + 1
