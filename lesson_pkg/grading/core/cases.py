"""What the graders check: for each exercise function, cases worth points.

A case is a list of calls (fixed examples from the lessons, edge cases, or inputs
generated on a grid of shapes, dtypes and reductions) and what to compare on them
(:class:`Check`). The reference result is computed here, in the grader's process, by
``lesson_pkg``, through the same path as a submission's (:func:`run_case`).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import torch

from lesson_pkg import diagnosis, losses, metrics, training
from lesson_pkg.grading.runner import execution
from lesson_pkg.grading.runner.outcome import Outcome

EXERCISE_FILES = {
    "ex01_losses": [
        "mse_loss",
        "mae_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
        "hinge_loss",
    ],
    "ex02_epochs": ["steps_per_epoch", "train_one_epoch", "fit", "best_epoch"],
    "ex03_accuracy": ["accuracy", "binary_accuracy", "confusion_matrix"],
    "ex04_diagnosis": ["diverged", "overfitting_from", "plateaued"],
}
FILE_OF = {function: file for file, functions in EXERCISE_FILES.items() for function in functions}
REDUCTIONS = ("mean", "sum", "none")
RANKS = (0, 1, 2, 3)

Call = tuple[tuple[Any, ...], dict[str, Any]]


class Check(Enum):
    """What a case compares with the reference."""

    VALUE = "value"  # the result
    GRADIENT = "gradient"  # the result, and its gradient w.r.t. the first argument
    UNCHANGED = "unchanged"  # the result, and the inputs left as they were
    SCENARIO_VALUE = "scenario value"  # a seeded training run's returned value
    SCENARIO_WEIGHTS = "scenario weights"  # the model's weights after that run

    @property
    def is_scenario(self) -> bool:
        """Whether the check runs a seeded training scenario."""
        return self in (Check.SCENARIO_VALUE, Check.SCENARIO_WEIGHTS)


class Submission(Protocol):
    """Where exercise functions run: a sandboxed worker, or this very process."""

    def call(
        self,
        file: str,
        function: str,
        args: list[Any],
        kwargs: dict[str, Any],
        grad_args: list[int],
        cotangent: torch.Tensor | None,
    ) -> Outcome:
        """Call ``function`` of ``file`` on ``args``; see ``execution.call_function``."""
        ...

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome:
        """Run training ``function`` of ``file`` on the scenario ``spec``."""
        ...


class InProcessSubmission:
    """Functions run in this process.

    The reference, a catalogued mistake, or a learner's own function checked in the
    notebook (:func:`lesson_pkg.checks.check`).
    """

    def __init__(self, functions: dict[str, Callable[..., Any]]) -> None:
        self.functions = functions

    def call(self, file, function, args, kwargs, grad_args, cotangent) -> Outcome:
        """Call the function here; an exception becomes a failed Outcome."""
        return self._run(
            lambda: execution.call_function(
                self.functions[function], function, args, kwargs, grad_args, cotangent
            )
        )

    def scenario(self, file, function, spec) -> Outcome:
        """Run the training function here on the scenario ``spec``."""
        return self._run(lambda: execution.run_scenario(self.functions[function], spec))

    @staticmethod
    def _run(action: Callable[[], dict[str, Any]]) -> Outcome:
        try:
            return Outcome(ok=True, result=action())
        except Exception as error:  # the code may raise anything
            return Outcome.failure(*execution.describe_error(error))


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


def _bce_with_logits(input, target, reduction="mean"):
    return losses.binary_cross_entropy_with_logits(input, target, reduction=reduction)


REFERENCES: dict[str, Callable[..., Any]] = {
    "mse_loss": losses.mse_loss,
    "mae_loss": losses.mae_loss,
    "binary_cross_entropy": losses.binary_cross_entropy,
    "binary_cross_entropy_with_logits": _bce_with_logits,
    "cross_entropy": losses.cross_entropy,
    "hinge_loss": losses.hinge_loss,
    "steps_per_epoch": training.steps_per_epoch,
    "train_one_epoch": training.train_one_epoch,
    "fit": _fit_losses,
    "best_epoch": _best_epoch,
    "accuracy": metrics.accuracy,
    "binary_accuracy": metrics.binary_accuracy,
    "confusion_matrix": metrics.confusion_matrix,
    "diverged": diagnosis.diverged,
    "overfitting_from": diagnosis.overfitting_from,
    "plateaued": diagnosis.plateaued,
}
REFERENCE = InProcessSubmission(REFERENCES)


@dataclass(frozen=True)
class Case:
    """One graded check of one function, worth ``points``."""

    function: str
    title: str
    points: int
    calls: Callable[[], list[Call]] = field(compare=False)
    check: Check = Check.VALUE

    @property
    def file(self) -> str:
        """The exercise file that defines the function (``ex01_losses``...)."""
        return FILE_OF[self.function]

    @property
    def name(self) -> str:
        """The test's display name, starting with the function it grades."""
        return f"{self.function}: {self.title}"


# --- Inputs -------------------------------------------------------------------------


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _shape(rank: int, generator: torch.Generator) -> tuple[int, ...]:
    """A shape of ``rank`` whose first size (the batch) differs from its element count."""
    if rank == 0:
        return ()
    if rank == 1:
        return (int(torch.randint(2, 6, (1,), generator=generator)),)
    return tuple(torch.randint(2, 5, (rank,), generator=generator).tolist())


def _pairs(seed: int, low: float = -3.0, high: float = 3.0) -> list[Call]:
    """Same-shape (input, target) pairs on the whole grid.

    Every reduction meets every rank (0 to 3) in float32 and float64. Higher ranks come
    first: a mistake shows there
    as a wrong value (which the hints can name) before a 0-d input makes it raise.
    """
    generator = _generator(seed)
    calls = []
    grid = itertools.product(RANKS[::-1], REDUCTIONS, (torch.float32, torch.float64))
    for rank, reduction, dtype in grid:
        shape = _shape(rank, generator)
        first = low + (high - low) * torch.rand(shape, generator=generator, dtype=dtype)
        second = low + (high - low) * torch.rand(shape, generator=generator, dtype=dtype)
        calls.append(((first, second), {"reduction": reduction}))
    return calls


def _probabilities(seed: int) -> list[Call]:
    calls = []
    for (first, second), options in _pairs(seed, 0.0, 1.0):
        probabilities = first.clamp(0.01, 0.99)
        calls.append(((probabilities, (second > 0.5).to(first.dtype)), options))
    return calls


def _logit_pairs(seed: int, scale: float = 4.0) -> list[Call]:
    """Logits (any rank) and 0/1 targets of the same shape."""
    calls = []
    for (first, second), options in _pairs(seed, -scale, scale):
        calls.append(((first, (second > 0).to(first.dtype)), options))
    return calls


def _signs(seed: int) -> list[Call]:
    calls = []
    for (scores, labels), options in _pairs(seed):
        calls.append(((scores, torch.where(labels > 0, 1.0, -1.0).to(scores.dtype)), options))
    return calls


def _logits(seed: int, count: int, scale: float = 3.0, ignore: bool = False) -> list[Call]:
    """(N, C) logits with N > 1, and (N,) class targets, each reduction in turn.

    With ``ignore``, the first target of each batch is ignored, through the default
    ``ignore_index=-100`` in one call and a real class in the next.
    """
    generator = _generator(seed)
    calls = []
    for index in range(count):
        batch, classes = 2 + index % 5, 2 + index % 4
        logits = scale * (2 * torch.rand(batch, classes, generator=generator) - 1)
        target = torch.randint(0, classes, (batch,), generator=generator)
        options: dict[str, Any] = {"reduction": REDUCTIONS[index % 3]}
        if ignore:
            ignored = -100 if index % 2 else int(target[0])
            target[0] = ignored
            options["ignore_index"] = ignored
        calls.append(((logits, target), options))
    return calls


def _labels_and_scores(seed: int, count: int) -> list[Call]:
    """Untied (N, C) scores (row permutations) and (N,) labels."""
    generator = _generator(seed)
    calls: list[Call] = []
    for index in range(count):
        batch, classes = 1 + 3 * index, 2 + index % 4
        scores = torch.stack([torch.randperm(classes, generator=generator) for _ in range(batch)])
        target = torch.randint(0, classes, (batch,), generator=generator)
        calls.append(((scores.float(), target), {}))
    return calls


def grid_of(calls: list[Call]) -> set[tuple[int, str]]:
    """The (rank of the input, reduction) pairs ``calls`` cover."""
    return {(args[0].dim(), options.get("reduction", "mean")) for args, options in calls}


def _as_labels(calls: list[Call]) -> list[Call]:
    return [((scores.argmax(1), target), options) for (scores, target), options in calls]


def _scenario(**overrides: Any) -> dict[str, Any]:
    spec = {
        "seed": 0,
        "n_samples": 50,
        "batch_size": 16,
        "lr": 0.1,
        "task": "regression",
        "optimizer": "sgd",
    }
    return {**spec, **overrides}


def _decaying(generator: torch.Generator, epochs: int) -> list[float]:
    """A falling loss curve, ``c + a * exp(-e / tau)``, rounded to 4 decimals."""
    a, tau = (torch.tensor([0.5, 1.0]) + torch.rand(2, generator=generator) * 4).tolist()
    return [round(0.1 + a * math.exp(-epoch / tau), 4) for epoch in range(epochs)]


def _diverging_curves(seed: int) -> list[Call]:
    """Falling curves, curves growing past 10 times their start, curves turning NaN or inf.

    Each is unambiguous for the default factor of 10.
    """
    generator = _generator(seed)
    calls: list[Call] = []
    for index in range(9):
        curve = _decaying(generator, 6 + index)
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
    generator = _generator(seed)
    calls: list[Call] = []
    for index in range(8):
        epochs = 8 + index
        train = _decaying(generator, epochs)
        lowest = 2 + int(torch.randint(0, epochs - 3, (1,), generator=generator))
        val = [
            round(0.4 + 0.05 * abs(epoch - lowest) + 0.001 * epoch, 4)
            for epoch in range(1, epochs + 1)
        ]
        calls.append(((train, val), {"patience": 1 + index % 4}))
    return calls


def _plateau_curves(seed: int) -> list[Call]:
    """Curves still falling fast at the end (by over 10 % per window) or flat within 0.1 %."""
    generator = _generator(seed)
    calls: list[Call] = []
    for index in range(8):
        window = 2 + index % 4
        falling = _decaying(generator, 4 + window)
        flat = falling[:3] + [round(falling[2] * (1 - 0.0001 * k), 4) for k in range(1, window + 3)]
        calls.append((((flat if index % 2 else falling),), {"window": window}))
    return calls


def _t(*values: float) -> torch.Tensor:
    return torch.tensor(values)


# --- The cases ----------------------------------------------------------------------

CASES: list[Case] = [
    # mse_loss
    Case("mse_loss", "3.0 vs 2.0 gives 1.0", 1, lambda: [((_t(3.0), _t(2.0)), {})]),
    Case(
        "mse_loss",
        "reduction 'sum' and 'none'",
        1,
        lambda: [
            ((_t(1.0, 2.0, 4.0), _t(1.0, 0.0, 1.0)), {"reduction": "sum"}),
            ((_t(1.0, 2.0, 4.0), _t(1.0, 0.0, 1.0)), {"reduction": "none"}),
        ],
    ),
    Case("mse_loss", "every rank (0-3) with every reduction", 2, lambda: _pairs(1)),
    Case("mse_loss", "gradients", 2, lambda: _pairs(2), Check.GRADIENT),
    Case("mse_loss", "inputs are not changed", 1, lambda: _pairs(3)[::5], Check.UNCHANGED),
    # mae_loss
    Case(
        "mae_loss", "1 and 2 vs 1 and 4 gives 1.0", 1, lambda: [((_t(1.0, 2.0), _t(1.0, 4.0)), {})]
    ),
    Case("mae_loss", "every rank (0-3) with every reduction", 2, lambda: _pairs(4)),
    Case("mae_loss", "gradients", 1, lambda: _pairs(5), Check.GRADIENT),
    # binary_cross_entropy
    Case(
        "binary_cross_entropy",
        "0.9 and 0.2 against 1 and 0",
        1,
        lambda: [((_t(0.9, 0.2), _t(1.0, 0.0)), {})],
    ),
    Case(
        "binary_cross_entropy",
        "probabilities of exactly 0 and 1 (log floored at -100)",
        1,
        lambda: [((_t(0.0, 1.0, 0.0, 1.0), _t(0.0, 1.0, 1.0, 0.0)), {"reduction": "none"})],
    ),
    Case(
        "binary_cross_entropy",
        "every rank (0-3) with every reduction",
        2,
        lambda: _probabilities(6),
    ),
    Case("binary_cross_entropy", "gradients", 2, lambda: _probabilities(7), Check.GRADIENT),
    # binary_cross_entropy_with_logits
    Case(
        "binary_cross_entropy_with_logits",
        "logits 2.0 and -1.0 against 1 and 0",
        1,
        lambda: [((_t(2.0, -1.0), _t(1.0, 0.0)), {})],
    ),
    Case(
        "binary_cross_entropy_with_logits",
        "logits of ±100 and ±1000 stay finite",
        2,
        lambda: [
            ((_t(100.0, -100.0, 1000.0, -1000.0), _t(0.0, 1.0, 1.0, 1.0)), {"reduction": "none"}),
            ((_t(-200.0, 200.0), _t(1.0, 0.0)), {"reduction": "sum"}),
        ],
    ),
    Case(
        "binary_cross_entropy_with_logits",
        "every rank (0-3) with every reduction",
        2,
        lambda: _logit_pairs(20),
    ),
    Case(
        "binary_cross_entropy_with_logits",
        "gradients, extreme logits included",
        2,
        lambda: [*_logit_pairs(21), *_logit_pairs(22, scale=300.0)[::4]],
        Check.GRADIENT,
    ),
    Case(
        "binary_cross_entropy_with_logits",
        "gradient at a logit of exactly 0, where a zero-initialised model starts",
        1,
        lambda: [
            ((_t(0.0, 0.0, 0.0, 3.0), _t(1.0, 0.0, 1.0, 0.0)), {}),
            ((_t(0.0, -2.0), _t(0.0, 1.0)), {"reduction": "sum"}),
        ],
        Check.GRADIENT,
    ),
    Case(
        "binary_cross_entropy_with_logits",
        "inputs are not changed",
        1,
        lambda: _logit_pairs(23)[::5],
        Check.UNCHANGED,
    ),
    # cross_entropy
    Case(
        "cross_entropy",
        "logits [2.0, 0.5, 0.1] with label 0 give 0.3168",
        1,
        lambda: [((torch.tensor([[2.0, 0.5, 0.1]]), torch.tensor([0])), {})],
    ),
    Case("cross_entropy", "30 generated batches and reductions", 2, lambda: _logits(8, 30)),
    Case("cross_entropy", "logits of ±1000", 2, lambda: _logits(9, 6, scale=1000.0)),
    Case("cross_entropy", "ignore_index", 2, lambda: _logits(10, 8, ignore=True)),
    Case("cross_entropy", "gradients", 2, lambda: _logits(11, 6), Check.GRADIENT),
    Case("cross_entropy", "inputs are not changed", 1, lambda: _logits(12, 3), Check.UNCHANGED),
    # hinge_loss
    Case(
        "hinge_loss",
        "scores 2, 0.5, -1 with label +1",
        1,
        lambda: [((_t(2.0, 0.5, -1.0), _t(1.0, 1.0, 1.0)), {"reduction": "none"})],
    ),
    Case(
        "hinge_loss",
        "margins other than 1",
        1,
        lambda: [
            ((_t(2.0, 0.5, -1.0), _t(1.0, -1.0, 1.0)), {"margin": 0.5}),
            ((_t(2.0, 0.5, -1.0), _t(1.0, -1.0, 1.0)), {"margin": 2.0, "reduction": "sum"}),
        ],
    ),
    Case("hinge_loss", "every rank (0-3) with every reduction", 2, lambda: _signs(13)),
    Case("hinge_loss", "gradients", 1, lambda: _signs(14), Check.GRADIENT),
    # steps_per_epoch
    Case(
        "steps_per_epoch",
        "10,000 samples at batch size 32 is 313 steps",
        1,
        lambda: [((10_000, 32), {})],
    ),
    Case(
        "steps_per_epoch",
        "drop_last drops the short last batch",
        1,
        lambda: [((10_000, 32), {"drop_last": True}), ((5, 2), {"drop_last": True})],
    ),
    Case(
        "steps_per_epoch",
        "exact multiples and sets smaller than a batch",
        1,
        lambda: [
            ((64, 32), {}),
            ((64, 32), {"drop_last": True}),
            ((1, 32), {}),
            ((31, 32), {"drop_last": True}),
            ((7, 1), {}),
        ],
    ),
    # train_one_epoch
    Case(
        "train_one_epoch",
        "weights after one epoch of SGD",
        1,
        lambda: [((_scenario(),), {})],
        Check.SCENARIO_WEIGHTS,
    ),
    Case(
        "train_one_epoch",
        "a model handed over in evaluation mode trains with dropout on",
        1,
        lambda: [((_scenario(dropout=0.5, start_in_eval=True),), {})],
        Check.SCENARIO_WEIGHTS,
    ),
    Case(
        "train_one_epoch",
        "returns the per-sample mean loss (short last batch)",
        2,
        lambda: [((_scenario(),), {}), ((_scenario(n_samples=37, batch_size=8),), {})],
        Check.SCENARIO_VALUE,
    ),
    Case(
        "train_one_epoch",
        "classification with Adam",
        1,
        lambda: [((_scenario(task="classification", optimizer="adam", lr=0.01),), {})],
        Check.SCENARIO_WEIGHTS,
    ),
    # fit
    Case(
        "fit",
        "per-epoch training losses over 3 epochs",
        1,
        lambda: [((_scenario(epochs=3),), {})],
        Check.SCENARIO_VALUE,
    ),
    Case(
        "fit",
        "momentum and Adam's moments carry over from epoch to epoch",
        1,
        lambda: [
            ((_scenario(epochs=3, momentum=0.9),), {}),
            ((_scenario(epochs=3, task="classification", optimizer="adam", lr=0.01),), {}),
        ],
        Check.SCENARIO_WEIGHTS,
    ),
    Case(
        "fit",
        "weights after 3 epochs",
        1,
        lambda: [((_scenario(epochs=3),), {})],
        Check.SCENARIO_WEIGHTS,
    ),
    # best_epoch
    Case("best_epoch", "[0.9, 0.5, 0.7] is epoch 2", 1, lambda: [(([0.9, 0.5, 0.7],), {})]),
    Case(
        "best_epoch",
        "mode='max' for an accuracy",
        1,
        lambda: [(([0.5, 0.8, 0.9, 0.85],), {"mode": "max"})],
    ),
    Case(
        "best_epoch",
        "ties go to the earliest epoch",
        1,
        lambda: [(([0.6, 0.4, 0.4],), {}), (([0.6, 0.9, 0.9],), {"mode": "max"})],
    ),
    # accuracy
    Case(
        "accuracy",
        "[1, 0, 2, 1] vs [1, 0, 2, 0] is 0.75",
        1,
        lambda: [((torch.tensor([1, 0, 2, 1]), torch.tensor([1, 0, 2, 0])), {})],
    ),
    Case("accuracy", "from scores of shape (N, C)", 2, lambda: _labels_and_scores(15, 8)),
    Case(
        "accuracy", "10 generated label batches", 1, lambda: _as_labels(_labels_and_scores(16, 10))
    ),
    # binary_accuracy
    Case(
        "binary_accuracy",
        "0.9, 0.4, 0.6 against 1, 0, 0",
        1,
        lambda: [((_t(0.9, 0.4, 0.6), torch.tensor([1, 0, 0])), {})],
    ),
    Case(
        "binary_accuracy",
        "logits with threshold 0.0",
        1,
        lambda: [((_t(2.0, -1.0, 0.5, -3.0), torch.tensor([1, 0, 0, 0])), {"threshold": 0.0})],
    ),
    Case(
        "binary_accuracy",
        "other thresholds",
        1,
        lambda: [((_t(0.9, 0.4, 0.6, 0.75), torch.tensor([1, 0, 0, 1])), {"threshold": 0.7})],
    ),
    Case(
        "binary_accuracy",
        "the default threshold is 0.5",
        1,
        lambda: [((_t(0.8, 0.3, 0.6, 0.1), torch.tensor([1, 0, 1, 1])), {})],
    ),
    Case(
        "binary_accuracy",
        "a score equal to the threshold predicts 0",
        1,
        lambda: [
            ((_t(0.5, 0.7, 0.5), torch.tensor([0, 1, 0])), {}),
            ((_t(0.0, 1.0, -1.0), torch.tensor([0, 1, 0])), {"threshold": 0.0}),
        ],
    ),
    # confusion_matrix
    Case(
        "confusion_matrix",
        "rows are true classes, columns predictions",
        1,
        lambda: [
            ((torch.tensor([1, 0]), torch.tensor([0, 0])), {"num_classes": 2}),
            ((torch.tensor([1, 0, 2, 1]), torch.tensor([1, 0, 2, 0])), {}),
        ],
    ),
    Case("confusion_matrix", "from scores of shape (N, C)", 1, lambda: _labels_and_scores(17, 6)),
    Case(
        "confusion_matrix",
        "scores of shape (N, C) give C rows, even for classes never seen",
        1,
        lambda: [((torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]]), torch.tensor([0, 1])), {})],
    ),
    Case(
        "confusion_matrix",
        "8 generated label batches",
        1,
        lambda: [
            ((labels, target), {"num_classes": 5})
            for (labels, target), _ in _as_labels(_labels_and_scores(18, 8))
            if int(max(labels.max(), target.max())) < 5
        ],
    ),
    # diverged
    Case(
        "diverged",
        "NaN or inf after falling losses",
        1,
        lambda: [
            (([1.0, 0.5, float("nan")],), {}),
            (([2.0, float("nan"), 0.1],), {}),
            (([1.0, 0.9, float("inf")],), {}),
        ],
    ),
    Case(
        "diverged",
        "[1, 3, 12] diverged, [1, 3, 9] did not (factor 10)",
        1,
        lambda: [(([1.0, 3.0, 12.0],), {}), (([1.0, 3.0, 9.0],), {}), (([1.0, 10.5],), {})],
    ),
    Case(
        "diverged",
        "exactly 10 times the first loss is not above it",
        1,
        lambda: [(([1.0, 10.0],), {}), (([2.0, 4.0, 8.0],), {"factor": 4.0})],
    ),
    Case(
        "diverged",
        "other factors",
        1,
        lambda: [
            (([1.0, 1.5, 2.5],), {"factor": 2.0}),
            (([1.0, 1.5, 1.9],), {"factor": 2.0}),
            (([1.0, 40.0, 60.0],), {"factor": 100.0}),
        ],
    ),
    Case(
        "diverged",
        "doubling every epoch passes 10 times the first loss",
        1,
        lambda: [(([1.0, 2.0, 4.0, 8.0, 16.0],), {}), (([0.5, 1.0, 2.0, 4.0],), {})],
    ),
    Case(
        "diverged",
        "a rise from the lowest loss, still below 10 times the first",
        1,
        lambda: [(([1.0, 0.05, 0.3, 0.6],), {}), (([2.0, 0.1, 1.5, 1.9],), {})],
    ),
    Case(
        "diverged", "18 generated curves", 2, lambda: _diverging_curves(30) + _diverging_curves(31)
    ),
    # overfitting_from
    Case(
        "overfitting_from",
        "the docstring's examples",
        1,
        lambda: [
            (([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.8, 0.9, 1.0]), {}),
            (([1.0, 0.8, 0.6], [1.0, 0.7, 0.5]), {}),
        ],
    ),
    Case(
        "overfitting_from",
        "one rise of the validation loss is noise, not overfitting",
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
        ],
    ),
    Case(
        "overfitting_from",
        "both losses rising is divergence, not overfitting",
        1,
        lambda: [
            (([1.0, 0.8, 0.6, 0.7, 0.9, 1.2], [1.0, 0.85, 0.7, 0.8, 1.0, 1.3]), {}),
            (([1.0, 0.8, 0.6, 0.7, 0.9, 1.2], [1.0, 0.85, 0.7, 0.8, 1.0, 1.3]), {"patience": 1}),
        ],
    ),
    Case(
        "overfitting_from",
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
    ),
    Case(
        "overfitting_from",
        "a flat validation or training loss neither rises nor falls",
        1,
        lambda: [
            (([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.7, 0.7, 0.7, 0.7]), {}),
            (([1.0, 0.5, 0.5, 0.5, 0.5], [1.0, 0.7, 0.8, 0.9, 1.0]), {}),
        ],
    ),
    Case("overfitting_from", "8 generated U-shaped validation curves", 2, lambda: _u_shaped(32)),
    # plateaued
    Case(
        "plateaued",
        "the docstring's examples",
        1,
        lambda: [
            (([1.0, 0.5, 0.499, 0.498],), {"window": 2}),
            (([1.0, 0.5, 0.45, 0.40],), {"window": 2}),
        ],
    ),
    Case(
        "plateaued",
        "the tolerance is a fraction of the earlier best",
        1,
        lambda: [
            (([100.0, 80.0, 60.0, 59.7, 59.6, 59.5],), {"window": 3}),
            (([0.004, 0.002, 0.001],), {"window": 1}),
            (([1.0, 0.9, 0.85, 0.84],), {"window": 1, "tolerance": 0.05}),
        ],
    ),
    Case(
        "plateaued",
        "compared with the best before the window, not the last epoch before it",
        1,
        lambda: [(([1.0, 0.5, 0.8, 0.52, 0.51],), {"window": 2})],
    ),
    Case(
        "plateaued",
        "the best of the window, not its last epoch",
        1,
        lambda: [(([1.0, 0.5, 0.3, 0.6],), {"window": 2})],
    ),
    Case(
        "plateaued",
        "the window holds exactly `window` epochs",
        1,
        lambda: [(([1.0, 0.9, 0.5, 0.499, 0.498],), {"window": 2})],
    ),
    Case(
        "plateaued",
        "window epochs or fewer: too early to tell",
        1,
        lambda: [(([1.0, 0.9],), {}), (([1.0, 1.0, 1.0],), {"window": 3})],
    ),
    Case(
        "plateaued",
        "the defaults: a window of 5 epochs, a tolerance of 1 %",
        1,
        lambda: [
            (([1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],), {}),
            (([1.0, 0.5, 0.499, 0.498, 0.497, 0.496, 0.494],), {}),
        ],
    ),
    Case(
        "plateaued",
        "no gain at all is a plateau, even with a tolerance of 0",
        1,
        lambda: [(([0.5, 0.5, 0.5],), {"window": 1, "tolerance": 0.0})],
    ),
    Case(
        "plateaued",
        "a window longer than half the run",
        1,
        lambda: [(([1.0, 0.9, 1.0],), {"window": 2}), (([1.0, 0.95, 0.9],), {"window": 2})],
    ),
    Case("plateaued", "8 generated curves, falling or flat", 1, lambda: _plateau_curves(33)),
]


def cases_for(file: str | None = None, function: str | None = None) -> list[Case]:
    """The cases of one exercise file, or of one function, in order."""
    return [
        case
        for case in CASES
        if (file is None or case.file == file) and (function is None or case.function == function)
    ]


def run_case(case: Case, call: Call, submission: Submission) -> Outcome:
    """Run ``call`` of ``case`` on ``submission``, as the case checks it.

    The one path for a submission, the reference and every catalogued mistake, so that
    their results compare directly.
    """
    args, kwargs = call
    if case.check.is_scenario:
        return submission.scenario(case.file, case.function, args[0])
    grad_args = [0] if case.check is Check.GRADIENT else []
    return submission.call(
        case.file, case.function, list(args), kwargs, grad_args, cotangent_for(case, call)
    )


def reference_result(case: Case, call: Call) -> dict[str, Any]:
    """What the reference gives on ``call``."""
    outcome = run_case(case, call, REFERENCE)
    if not outcome.ok:
        raise RuntimeError(f"the reference failed on {case.name}: {outcome.error}")
    return outcome.result


@functools.cache
def expected_results(case: Case) -> tuple[tuple[Call, dict[str, Any]], ...]:
    """Each call of ``case`` with the reference's result, computed once per process.

    The command line computes them while the sandbox is still starting, and class
    grading once per grading process rather than once per student.
    """
    return tuple((call, reference_result(case, call)) for call in case.calls())


def cotangent_for(case: Case, call: Call) -> torch.Tensor | None:
    """A fixed random weight per output element, to back-propagate a non-scalar result."""
    if case.check is not Check.GRADIENT:
        return None
    args, kwargs = call
    with torch.no_grad():
        shape = REFERENCES[case.function](*args, **kwargs).shape
    return torch.rand(shape, generator=_generator(99), dtype=args[0].dtype)
