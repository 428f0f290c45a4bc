"""Grading one case: run the submission, compare with the reference, explain a failure.

A submission is anything with ``call`` and ``scenario`` returning an
:class:`~lesson_pkg.grading.runner.outcome.Outcome` (see
:class:`~lesson_pkg.grading.core.cases.Submission`): a sandboxed worker's session, or the
learner's own functions in the notebook. The result is data (:class:`CaseResult`): the
problem, the named mistake and the error's kind travel separately, to the report, the
gradebook and the class summary alike.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from lesson_pkg.grading.core.cases import (
    DEFAULT_TOLERANCE,
    Case,
    Check,
    InProcessSubmission,
    Submission,
    Tolerance,
    expected_results,
    run_case,
)
from lesson_pkg.grading.core.inputs import Call
from lesson_pkg.grading.core.mistakes import Mistake
from lesson_pkg.grading.core.results import with_hint
from lesson_pkg.grading.runner.outcome import ErrorKind, Outcome

ERROR_MESSAGES = {
    ErrorKind.NOT_IMPLEMENTED: "not implemented yet (the stub still raises NotImplementedError)",
}
# Whole-file or whole-function problems: the message needs no input to make sense.
STANDALONE_KINDS = (ErrorKind.IMPORT, ErrorKind.SKIPPED, ErrorKind.NOT_IMPLEMENTED)


@dataclass(frozen=True)
class CaseResult:
    """Whether a case passed; if not, what is wrong, and the classic mistake it matches."""

    passed: bool
    problem: str = ""
    mistake: Mistake | None = None
    error_kind: ErrorKind | None = None

    @property
    def message(self) -> str:
        """The problem, then the named mistake's hint: what a learner reads."""
        return with_hint(self.problem, self.mistake.hint if self.mistake else "")


def grade_case(case: Case, submission: Submission) -> CaseResult:
    """Run every call of ``case``; pass only if each one matches the reference."""
    for index, (call, expected) in enumerate(expected_results(case)):
        outcome = run_case(case, call, submission)
        if not outcome.ok:
            mistake = _mistake_raising_alike(case, index, outcome)
            return CaseResult(False, _error_message(outcome, call), mistake, outcome.error_kind)
        problem = _compare_outcome(case, expected, outcome.result, call)
        if problem:
            mistake = _named_mistake(case, index, outcome.result, submission)
            return CaseResult(False, f"on {describe_call(call)}: {problem}", mistake)
    return CaseResult(True)


def _error_message(outcome: Outcome, call: Call) -> str:
    message = ERROR_MESSAGES.get(outcome.error_kind, outcome.error)  # type: ignore[arg-type]
    if outcome.error_kind in STANDALONE_KINDS:
        return message
    return f"on {describe_call(call)}: {message}"


PROPERTY_CHECKED = {
    Check.GRADIENT: "the gradient is checked",
    Check.UNCHANGED: "the inputs are checked",
}
"""The checks of a property beyond the value, which a wrong value fails first; the
message says so, lest a learner read "inputs are not changed: FAIL" as a mutation."""


def _compare_outcome(
    case: Case, expected: dict[str, Any], got: dict[str, Any], call: Call
) -> str | None:
    """What differs between a result and the reference's, or None.

    Every check but the training scenario's weights compares the value first: a
    property such as "inputs are not changed" earns nothing for a function that returns
    the wrong result.
    """
    tolerance = case.tolerance
    if case.check is Check.SCENARIO_WEIGHTS:
        return compare(expected["weights"], got.get("weights"), "the model's weights", tolerance)
    problem = compare(expected["value"], got.get("value"), "the result", tolerance)
    if problem and case.check in PROPERTY_CHECKED:
        return f"{PROPERTY_CHECKED[case.check]} only once the result is right, and {problem}"
    if problem or case.check not in PROPERTY_CHECKED:
        return problem
    if case.check is Check.GRADIENT:
        if got.get("grads") is None:
            return "the gradient could not be computed from your result"
        return compare(expected["grads"], got.get("grads"), "the gradient", tolerance)
    return compare(
        list(call[0]),
        got.get("args_after"),
        "an input after your call (inputs must not be changed in place)",
        tolerance,
    )


def _named_mistake(
    case: Case, index: int, got: dict[str, Any], submission: Submission
) -> Mistake | None:
    """The classic mistake that gives exactly the submission's result on call ``index``.

    Where several give it, the case's later calls choose: the one that also gives the
    submission's results there. None if no mistake gives it.
    """
    candidates = _mistakes_giving(case, index, got, case.graded.mistakes)
    for later in range(index + 1, len(expected_results(case))):
        if len(candidates) < 2:
            break
        outcome = run_case(case, expected_results(case)[later][0], submission)
        if outcome.ok:
            candidates = _mistakes_giving(case, later, outcome.result, candidates) or candidates
    return candidates[0] if candidates else None


def _mistakes_giving(
    case: Case, index: int, got: dict[str, Any], mistakes: Sequence[Mistake]
) -> list[Mistake]:
    """Those of ``mistakes`` whose result on call ``index`` of ``case`` is ``got``."""
    call = expected_results(case)[index][0]
    giving = []
    for mistake in mistakes:
        mistaken = _mistake_outcome(case, index, mistake)
        if mistaken.ok and _compare_outcome(case, mistaken.result, got, call) is None:
            giving.append(mistake)
    return giving


@functools.cache
def _mistake_outcome(case: Case, index: int, mistake: Mistake) -> Outcome:
    """What ``mistake`` gives on call ``index`` of ``case``, once per process (a class)."""
    call = expected_results(case)[index][0]
    return run_case(case, call, InProcessSubmission({case.function: mistake.implementation}))


def _exception(outcome: Outcome) -> str | None:
    """A failed call's exception, its numbers masked (``IndexError: index # is out of ...``).

    None for other kinds of failure.
    """
    if outcome.ok or outcome.error_kind is not ErrorKind.EXCEPTION:
        return None
    return re.sub(r"\d+", "#", outcome.error or "")


def _mistake_raising_alike(case: Case, index: int, outcome: Outcome) -> Mistake | None:
    """The classic mistake that raises the submission's exception on call ``index``, if any.

    A mistake such as sizing a matrix from the targets alone fails with an IndexError,
    not a wrong value: the same exception, with the same message but for its numbers, on
    the same input names it.
    """
    raised = _exception(outcome)
    if raised is None:
        return None
    for mistake in case.graded.mistakes:
        if _exception(_mistake_outcome(case, index, mistake)) == raised:
            return mistake
    return None


def compare(
    expected: Any, got: Any, what: str, tolerance: Tolerance = DEFAULT_TOLERANCE
) -> str | None:
    """None when ``got`` matches ``expected``; otherwise what differs, in one sentence.

    ``got`` must have the exact plain type of ``expected`` (a plain ``torch.Tensor`` of
    the same shape and dtype, an ``int``, a ``float``...): nothing is converted. Floats
    match within ``tolerance``.
    """
    if isinstance(expected, torch.Tensor):
        return _compare_tensor(expected, got, what, tolerance)
    if isinstance(expected, bool):
        if type(got) is not bool:
            return f"{what} should be a Python bool (True or False), got {type(got).__name__}"
        return None if got is expected else f"{what} is {got!r}, expected {expected!r}"
    if isinstance(expected, int):
        if type(got) is not int:
            name = type(got).__name__
            return f"{what} should be a Python int (wrap it in int(...)), got {name} {_short(got)}"
        return None if got == expected else f"{what} is {got}, expected {expected}"
    if isinstance(expected, float):
        return _compare_float(expected, got, what, tolerance)
    if isinstance(expected, list):
        return _compare_list(expected, got, what, tolerance)
    return None if got == expected else f"{what} is {got!r}, expected {expected!r}"


def _compare_tensor(
    expected: torch.Tensor, got: Any, what: str, tolerance: Tolerance
) -> str | None:
    if type(got) is not torch.Tensor:
        return f"{what} should be a tensor, got {type(got).__name__}"
    if got.shape != expected.shape:
        return f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    floating = expected.is_floating_point()
    if floating != got.is_floating_point() or (floating and got.dtype != expected.dtype):
        return f"{what} has dtype {got.dtype}, expected {expected.dtype}"
    close = torch.allclose(
        got.double(),
        expected.double(),
        rtol=tolerance.rtol,
        atol=tolerance.atol,
        equal_nan=True,
    )
    if close:
        return None
    if expected.numel() > 8:
        largest = (got.double() - expected.double()).abs().nan_to_num(float("inf")).max()
        return f"{what}: not the expected values (largest difference {largest:.3g})"
    return f"{what} is {_short(got)}, expected {_short(expected)}"


def _compare_float(expected: float, got: Any, what: str, tolerance: Tolerance) -> str | None:
    if type(got) not in (int, float):
        return f"{what} should be a Python float, got {type(got).__name__}"
    if math.isnan(expected) and math.isnan(got):
        return None
    if math.isclose(got, expected, rel_tol=tolerance.rtol, abs_tol=tolerance.atol):
        return None
    return f"{what} is {got:.6g}, expected {expected:.6g}"


def _compare_list(expected: list, got: Any, what: str, tolerance: Tolerance) -> str | None:
    if type(got) is not list or len(got) != len(expected):
        length = len(got) if type(got) is list else type(got).__name__
        return f"{what} should be a list of {len(expected)} values, got {length}"
    for item_expected, item_got in zip(expected, got, strict=True):
        problem = compare(item_expected, item_got, what, tolerance)
        if problem:
            return problem
    return None


def _rounded(value: Any) -> Any:
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if not isinstance(value, float):
        return value
    # 4 decimals, or 4 significant digits for a tiny value, which 4 decimals would hide
    return round(value, 4) if value == 0 or abs(value) >= 1e-3 else float(f"{value:.4g}")


def _short(value: Any) -> str:
    """A value as a learner can read it in one line."""
    if isinstance(value, torch.Tensor):
        if value.dim() == 0:
            return f"{value.item():.6g}"
        if value.numel() <= 8:
            return str(_rounded(value.tolist()))
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def describe_call(call: Call) -> str:
    """``mse_loss(tensor([3.0]), tensor([2.0]), reduction='sum')`` style, shortened."""
    args, kwargs = call
    parts = [_short(arg) if not isinstance(arg, dict) else "a seeded training run" for arg in args]
    parts += [f"{key}={value!r}" for key, value in kwargs.items()]
    return "input (" + ", ".join(parts) + ")"
