"""In-notebook checks: ``check(my_function)`` grades one function in about a second, and
``environment_report()`` says whether the set-up worked.

The same cases as the autograder (:mod:`lesson_pkg.grading.cases`), run on a function
defined in the notebook or imported from ``exercises/``. The function runs in the
notebook's own kernel (it is your code, checked for you), and the result is one line
per case: pass, or what is wrong with a hint.

Example::

    from lesson_pkg.checks import check

    def mse_loss(input, target, reduction="mean"):
        ...

    check(mse_loss)
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

from lesson_pkg.grading.cases import FILE_OF, cases_for
from lesson_pkg.grading.engine import InProcessSubmission, grade_case


@dataclass(frozen=True)
class CheckResult:
    """Points earned on each case of one function, printable as a short summary."""

    function: str
    lines: list[tuple[bool, str, int, str]]

    @property
    def score(self) -> int:
        return sum(points for passed, _, points, _ in self.lines if passed)

    @property
    def max_score(self) -> int:
        return sum(points for _, _, points, _ in self.lines)

    @property
    def passed(self) -> bool:
        return self.score == self.max_score

    def __str__(self) -> str:
        verdict = "all checks pass" if self.passed else "some checks fail"
        rows = [f"{self.function}: {self.score}/{self.max_score} points, {verdict}"]
        for passed, title, points, message in self.lines:
            mark = "PASS" if passed else "FAIL"
            rows.append(f"  {mark}  {title} ({points} pt)" + ("" if passed else f": {message}"))
        return "\n".join(rows)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def check(function: Callable, name: str | None = None) -> CheckResult:
    """Grade ``function`` (an exercise, such as ``mse_loss``) on the autograder's cases.

    ``name`` is the exercise's name when the function has another one. Returns the
    result, which prints as one line per case.
    """
    if not callable(function):
        raise TypeError(f"check() takes the function itself, got {type(function).__name__}")
    exercise = name or getattr(function, "__name__", "")
    if exercise not in FILE_OF:
        raise ValueError(f"{exercise!r} is not an exercise; the exercises are {sorted(FILE_OF)}")
    submission = InProcessSubmission({exercise: function})
    lines = []
    for case in cases_for(function=exercise):
        result = grade_case(case, submission)
        lines.append((result.passed, case.title, case.points, result.message))
    return CheckResult(exercise, lines)


def _pins(extras: tuple[str, ...]) -> list[tuple[str, str]]:
    """(package, pinned version) for lesson_pkg's requirements and the given extras."""
    pins = []
    for requirement in importlib.metadata.requires("lesson-pkg") or []:
        spec, _, marker = requirement.partition(";")
        if marker and not any(f'extra == "{extra}"' in marker for extra in extras):
            continue
        name, _, version = spec.strip().partition("==")
        pins.append((name, version))
    return pins


def environment_report(extras: tuple[str, ...] = ("course",)) -> str:
    """One OK/FAIL row per required package: paste it into a bug report.

    Compares each installed version with the course's pin, then names the Python
    version and the device ``fit`` will use.
    """
    import platform

    import torch

    rows = [f"{'package':<14} {'required':<10} {'installed':<12} status"]
    failures = 0
    for name, required in _pins(extras):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        ok = installed.split("+")[0] == required
        failures += not ok
        rows.append(f"{name:<14} {required:<10} {installed:<12} {'OK' if ok else 'FAIL'}")
    device = "cuda (" + torch.cuda.get_device_name(0) + ")" if torch.cuda.is_available() else "cpu"
    rows += [
        f"python {platform.python_version()}, training device: {device}",
        "all packages OK" if failures == 0 else f"{failures} package(s) FAIL: run `make lab` again",
    ]
    return "\n".join(rows)
