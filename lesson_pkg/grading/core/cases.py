"""What a graded function is, and its cases: calls worth points, run one way for all.

A :class:`GradedFunction` is one function of an exercise file: its reference, the torch
built-ins it may not call, its cases and its classic mistakes. An exercise module
(:mod:`lesson_pkg.grading.exercises`) declares them; nothing here knows any of them.

A :class:`Case` is a list of calls (fixed examples from the lessons, edge cases, or
inputs generated on a grid, see :mod:`~lesson_pkg.grading.core.inputs`) and what to
compare on them (:class:`Check`). The reference result is computed here, in the
grader's process, through the same path as a submission's (:func:`run_case`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, TypeVar

import torch

from lesson_pkg.grading.core.inputs import Call, generator
from lesson_pkg.grading.core.mistakes import Mistake
from lesson_pkg.grading.runner import execution
from lesson_pkg.grading.runner.outcome import CallRequest, Outcome

Implementation = TypeVar("Implementation", bound=Callable[..., Any])


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


@dataclass(frozen=True)
class Tolerance:
    """How close a result must be: ``|got - expected| <= atol + rtol * |expected|``.

    The default suits values of order 1. A case about the last digits of tiny values
    (a loss of ``3e-7``) asks for a relative tolerance alone, ``Tolerance(rtol, atol=0)``.
    """

    rtol: float = 1e-5
    atol: float = 1e-6


DEFAULT_TOLERANCE = Tolerance()


@dataclass(eq=False)
class GradedFunction:
    """One graded function of exercise ``file``: what it is checked against, and how.

    ``forbidden`` names the torch built-ins the function must not call (the one it is
    meant to implement, and its aliases); the grader sends them with every call.
    """

    file: str
    name: str
    reference: Callable[..., Any]
    forbidden: tuple[str, ...] = ()
    cases: list[Case] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)

    def case(
        self,
        title: str,
        points: int,
        calls: Callable[[], list[Call]],
        check: Check = Check.VALUE,
        tolerance: Tolerance = DEFAULT_TOLERANCE,
    ) -> Case:
        """Add a case worth ``points``: ``calls`` builds its inputs when it runs."""
        new = Case(self, title, points, calls, check, tolerance)
        self.cases.append(new)
        return new

    def mistake(self, hint: str) -> Callable[[Implementation], Implementation]:
        """Decorate a wrong implementation: a classic mistake and the hint that names it.

        Mistakes are tried in the order they are declared: the most common first.
        """

        def register(implementation: Implementation) -> Implementation:
            self.mistakes.append(Mistake(self.name, hint, implementation))
            return implementation

        return register


@dataclass(eq=False)
class Exercise:
    """One exercise file (``ex01_losses``...) and the functions it grades, in order."""

    file: str
    functions: list[GradedFunction] = field(default_factory=list)

    def graded(
        self, name: str, reference: Callable[..., Any], forbidden: tuple[str, ...] = ()
    ) -> GradedFunction:
        """Declare the graded function ``name`` of this file."""
        function = GradedFunction(self.file, name, reference, forbidden)
        self.functions.append(function)
        return function

    @property
    def cases(self) -> list[Case]:
        """Every case of this file, function by function."""
        return [case for function in self.functions for case in function.cases]


@dataclass(frozen=True)
class Case:
    """One graded check of one function, worth ``points``."""

    graded: GradedFunction
    title: str
    points: int
    calls: Callable[[], list[Call]] = field(compare=False)
    check: Check = Check.VALUE
    tolerance: Tolerance = DEFAULT_TOLERANCE

    @property
    def function(self) -> str:
        """The graded function's name (``mse_loss``...)."""
        return self.graded.name

    @property
    def file(self) -> str:
        """The exercise file that defines the function (``ex01_losses``...)."""
        return self.graded.file

    @property
    def name(self) -> str:
        """The test's display name, starting with the function it grades."""
        return f"{self.function}: {self.title}"


class Submission(Protocol):
    """Where exercise functions run: a sandboxed worker, or this very process."""

    def call(self, request: CallRequest) -> Outcome:
        """Run ``request``; see ``execution.call_function``."""
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

    def call(self, request: CallRequest) -> Outcome:
        """Call the function here; an exception becomes a failed Outcome."""
        function = self.functions[request.function]
        return self._run(lambda: execution.call_function(function, request))

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome:
        """Run the training function here on the scenario ``spec``."""
        return self._run(lambda: execution.run_scenario(self.functions[function], spec))

    @staticmethod
    def _run(action: Callable[[], dict[str, Any]]) -> Outcome:
        try:
            return Outcome(ok=True, result=action())
        except Exception as error:  # the code may raise anything
            return Outcome.failure(*execution.describe_error(error))


def run_case(case: Case, call: Call, submission: Submission) -> Outcome:
    """Run ``call`` of ``case`` on ``submission``, as the case checks it.

    The one path for a submission, the reference and every catalogued mistake, so that
    their results compare directly.
    """
    args, kwargs = call
    if case.check.is_scenario:
        return submission.scenario(case.file, case.function, args[0])
    grad_args = [0] if case.check is Check.GRADIENT else []
    request = CallRequest(
        case.file,
        case.function,
        list(args),
        kwargs,
        grad_args,
        cotangent_for(case, call),
        case.graded.forbidden,
    )
    return submission.call(request)


def reference_result(case: Case, call: Call) -> dict[str, Any]:
    """What the reference gives on ``call``."""
    outcome = run_case(case, call, InProcessSubmission({case.function: case.graded.reference}))
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
        shape = case.graded.reference(*args, **kwargs).shape
    return torch.rand(shape, generator=generator(99), dtype=args[0].dtype)
