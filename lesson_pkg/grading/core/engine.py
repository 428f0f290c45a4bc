"""Grading one case: run the submission, compare with the reference, explain a failure.

A submission is anything with ``call(file, function, args, kwargs, grad_args, cotangent)``
and ``scenario(file, function, spec)`` returning an :class:`Outcome`. The sandboxed
worker (:mod:`lesson_pkg.grading.sandbox`) is one; the learner's own functions, called
in the notebook (:class:`InProcessSubmission`), are the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from lesson_pkg.grading import execution
from lesson_pkg.grading.cases import Call, Case, cotangent_for, reference_result, run_here
from lesson_pkg.grading.mistakes import mistakes_for

RTOL, ATOL = 1e-5, 1e-6

ERROR_HINTS = {
    "not_implemented": "not implemented yet (the stub still raises NotImplementedError)",
}


@dataclass
class Outcome:
    """What a submission did on one call: its result in plain data, or an error."""

    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error_kind: str = ""
    error: str = ""


@dataclass(frozen=True)
class CaseResult:
    passed: bool
    message: str = ""


class Submission(Protocol):
    def call(
        self,
        file: str,
        function: str,
        args: list[Any],
        kwargs: dict[str, Any],
        grad_args: list[int],
        cotangent: torch.Tensor | None,
    ) -> Outcome: ...

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome: ...


class InProcessSubmission:
    """Functions of the learner's own kernel, called directly (for in-notebook checks)."""

    def __init__(self, functions: dict[str, Callable[..., Any]]) -> None:
        self.functions = functions

    def call(self, file, function, args, kwargs, grad_args, cotangent) -> Outcome:
        return self._run(
            lambda: execution.call_function(
                self.functions[function], function, args, kwargs, grad_args, cotangent
            )
        )

    def scenario(self, file, function, spec) -> Outcome:
        return self._run(lambda: execution.run_scenario(self.functions[function], spec))

    @staticmethod
    def _run(action: Callable[[], dict[str, Any]]) -> Outcome:
        try:
            return Outcome(ok=True, result=action())
        except Exception as error:  # the learner's code may raise anything
            described = execution.describe_error(error)
            return Outcome(ok=False, error_kind=described["kind"], error=described["message"])


def grade_case(case: Case, submission: Submission) -> CaseResult:
    """Run every call of ``case``; pass only if each one matches the reference."""
    for call in case.calls():
        outcome = _run(case, call, submission)
        if not outcome.ok:
            return CaseResult(False, _error_message(outcome, call))
        expected = reference_result(case, call)
        problem = _compare_outcome(case, expected, outcome.result, call)
        if problem:
            return CaseResult(False, _with_hint(case, call, outcome.result, problem))
    return CaseResult(True)


def _run(case: Case, call: Call, submission: Submission) -> Outcome:
    args, kwargs = call
    if case.check.startswith("scenario"):
        return submission.scenario(case.file, case.function, args[0])
    grad_args = [0] if case.check == "gradient" else []
    return submission.call(
        case.file, case.function, list(args), kwargs, grad_args, cotangent_for(case, call)
    )


def _error_message(outcome: Outcome, call: Call) -> str:
    hint = ERROR_HINTS.get(outcome.error_kind)
    if hint:
        return hint
    if outcome.error_kind in ("import", "skipped"):
        return outcome.error
    return f"on {describe_call(call)}: {outcome.error}"


def _compare_outcome(
    case: Case, expected: dict[str, Any], got: dict[str, Any], call: Call
) -> str | None:
    if case.check == "scenario_weights":
        return compare(expected["weights"], got.get("weights"), "the model's weights")
    if case.check == "gradient":
        return compare(expected["grads"], got.get("grads"), "the gradient")
    if case.check == "unchanged":
        return compare(
            list(call[0]),
            got.get("args_after"),
            "the inputs after your call (they must not be changed in place)",
        )
    return compare(expected["value"], got.get("value"), "the result")


def _with_hint(case: Case, call: Call, got: dict[str, Any], problem: str) -> str:
    """``problem``, and the name of the classic mistake that gives the same result."""
    for mistake in mistakes_for(case.function):
        try:
            mistaken = run_here(case, call, mistake.implementation)
        except Exception:  # a mistake may fail where the submission did not
            continue
        if _compare_outcome(case, mistaken, got, call) is None:
            return f"{problem}. Hint: {mistake.hint}"
    return problem


def compare(expected: Any, got: Any, what: str) -> str | None:
    """None when ``got`` matches ``expected``; otherwise what differs, in one sentence."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{what} should be a tensor, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        if expected.is_floating_point() != got.is_floating_point():
            return f"{what} has dtype {got.dtype}, expected {expected.dtype}"
        if expected.is_floating_point() and got.dtype != expected.dtype:
            return f"{what} has dtype {got.dtype}, expected {expected.dtype}"
        close = torch.allclose(
            got.double(), expected.double(), rtol=RTOL, atol=ATOL, equal_nan=True
        )
        if close:
            return None
        if expected.numel() > 8:
            largest = (got.double() - expected.double()).abs().nan_to_num(float("inf")).max()
            return f"{what} differs from the expected values (largest difference {largest:.3g})"
        return f"{what} is {_short(got)}, expected {_short(expected)}"
    if isinstance(expected, bool):
        return None if got is expected else f"{what} is {got!r}, expected {expected!r}"
    if isinstance(expected, int):
        if not isinstance(got, int) or isinstance(got, bool):
            return f"{what} should be an int, got {type(got).__name__} {_short(got)}"
        return None if got == expected else f"{what} is {got}, expected {expected}"
    if isinstance(expected, float):
        if not isinstance(got, int | float) or isinstance(got, bool):
            return f"{what} should be a Python float, got {type(got).__name__}"
        if math.isnan(expected) and math.isnan(got):
            return None
        return (
            None
            if math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL)
            else (f"{what} is {got:.6g}, expected {expected:.6g}")
        )
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            length = len(got) if isinstance(got, list) else type(got).__name__
            return f"{what} should be a list of {len(expected)} values, got {length}"
        for item_expected, item_got in zip(expected, got, strict=True):
            problem = compare(item_expected, item_got, what)
            if problem:
                return problem
        return None
    return None if got == expected else f"{what} is {got!r}, expected {expected!r}"


def _rounded(value: Any) -> Any:
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return round(value, 4) if isinstance(value, float) else value


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
