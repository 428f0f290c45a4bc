"""The result of grading one submission, as data: a table for people, JSON for platforms.

One :class:`TestResult` per test carries the function, the points, the problem, the
named mistake (its id and hint) and the error's kind as separate fields. The table, the
Gradescope ``results.json``, the gradebook and the class summary are all made from
these fields; nothing parses a message back.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lesson_pkg.grading.runner.outcome import ErrorKind, safe_text

NO_RESULT = "no result: the test did not finish"


def with_hint(problem: str, hint: str) -> str:
    """What a student reads for a failure: the problem, then the named mistake's hint."""
    return f"{problem}. Hint: {hint}" if hint else problem


@dataclass
class TestResult:
    """One graded test of one exercise function."""

    function: str
    title: str
    max_score: float
    score: float = 0.0
    problem: str = NO_RESULT
    mistake: str = ""  # the id of the classic mistake the result matches
    hint: str = ""  # what that mistake's hint says
    error_kind: ErrorKind | None = None  # when the function gave no result
    hidden: bool = False

    __test__ = False  # not a pytest test class, whatever its name says

    def __post_init__(self) -> None:
        self.problem, self.hint = safe_text(self.problem), safe_text(self.hint)

    @property
    def name(self) -> str:
        """The display name, starting with the function: ``mse_loss: gradients``."""
        return f"{self.function}: {self.title}"

    @property
    def passed(self) -> bool:
        """Whether the test earned all its points."""
        return self.score == self.max_score

    @property
    def message(self) -> str:
        """What a student reads for a failure: the problem, then the named mistake."""
        if self.passed:
            return ""
        return with_hint(self.problem, self.hint)

    def record(
        self,
        passed: bool,
        problem: str = "",
        mistake: str = "",
        hint: str = "",
        kind: ErrorKind | None = None,
    ) -> None:
        """Set the outcome: full points when ``passed``, else none and why."""
        self.score = self.max_score if passed else 0.0
        self.problem, self.mistake, self.error_kind = safe_text(problem), mistake, kind
        self.hint = safe_text(hint)


@dataclass
class Report:
    """Every test of one submission, and how the submission was run."""

    tests: list[TestResult] = field(default_factory=list)
    execution_time: float = 0.0
    isolation: str = ""

    @property
    def score(self) -> float:
        """Points earned, hidden tests included."""
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        """Points possible, hidden tests included."""
        return sum(test.max_score for test in self.tests)

    @property
    def public(self) -> list[TestResult]:
        """The tests a student sees before the hidden ones are published."""
        return [test for test in self.tests if not test.hidden]

    def summary(self, public_only: bool = False) -> str:
        """One line; never claims "all tests passed" when hidden tests exist.

        With ``public_only``, the score counts only the public tests: what a student may
        see before the hidden tests are published.
        """
        tests = self.public if public_only else self.tests
        score, maximum = sum(t.score for t in tests), sum(t.max_score for t in tests)
        has_hidden = len(self.public) < len(self.tests)
        line = f"Score: {score:g} / {maximum:g}" + (" (public tests)." if public_only else ".")
        if self.public and all(test.passed for test in self.public):
            line += " All public tests passed." if has_hidden else " All tests passed."
        return line

    def by_function(self) -> list[tuple[str, float, float]]:
        """(function, points earned, points possible), in the order the tests ran."""
        totals: dict[str, list[float]] = {}
        for test in self.tests:
            earned, possible = totals.setdefault(test.function, [0.0, 0.0])
            totals[test.function] = [earned + test.score, possible + test.max_score]
        return [(name, earned, possible) for name, (earned, possible) in totals.items()]

    def table(self) -> str:
        """The report as a table: function, points, pass/fail; then what to fix.

        One line per function not written yet, one per failed test otherwise.
        """
        rows = [f"{'function':<34} {'points':>9}  result", "-" * 54]
        for function, earned, possible in self.by_function():
            result = "pass" if earned == possible else "FAIL"
            rows.append(f"{function:<34} {earned:>4g} / {possible:<3g}  {result}")
        rows += ["-" * 54, self.summary()]
        if self.isolation:
            rows.append(f"Isolation: {self.isolation}")
        rows += self._what_to_fix()
        return "\n".join(rows)

    def _what_to_fix(self) -> list[str]:
        failures = [test for test in self.tests if not test.passed]
        if not failures:
            return []
        lines, unwritten = ["", "What to fix:"], []
        for test in failures:
            if test.error_kind is ErrorKind.NOT_IMPLEMENTED:
                if test.function not in unwritten:
                    unwritten.append(test.function)
                continue
            lines.append(f"- {test.name}: {test.message}")
        if unwritten:
            lines.append(
                f"- not written yet (the stub raises NotImplementedError): {', '.join(unwritten)}"
            )
        return lines

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's results.json: score, execution_time, output and tests[].

        The top-level ``output`` counts only public tests when hidden ones exist: it is
        visible at once, while hidden tests wait for publication (``after_published``).
        """
        has_hidden = len(self.public) < len(self.tests)
        output = self.summary(public_only=has_hidden)
        if self.isolation:
            output += f" Isolation: {self.isolation}."
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 2),
            "output": output,
            "tests": [
                {
                    "name": test.name,
                    "number": str(number),
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.passed else "failed",
                    "output": test.message,
                    "visibility": "after_published" if test.hidden else "visible",
                }
                for number, test in enumerate(self.tests, start=1)
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, field by field (the gradebook and class summary read this).

        An error kind is written as its value, "" when there is none.
        """
        data = asdict(self)
        for test in data["tests"]:
            test["error_kind"] = test["error_kind"].value if test["error_kind"] else ""
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The report :meth:`to_dict` wrote."""
        tests = [
            TestResult(**{**test, "error_kind": _error_kind(test.get("error_kind"))})
            for test in data["tests"]
        ]
        return cls(tests, data["execution_time"], data["isolation"])


def _error_kind(value: Any) -> ErrorKind | None:
    """The ErrorKind a report file names ("" or absent: none; an unknown one: garbled)."""
    if not value:
        return None
    try:
        return ErrorKind(value)
    except ValueError:
        return ErrorKind.GARBLED


def spreadsheet_cell(text: str) -> str:
    """``text`` safe in a CSV cell: one safe line, never read as a spreadsheet formula.

    A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or return) is a formula to
    Excel and LibreOffice; a leading ``'`` makes it text (OWASP's advice on CSV injection).

    >>> spreadsheet_cell("=1+1")
    "'=1+1"
    """
    text = safe_text(text)
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place.

    A reader sees the old file or the whole new one, never a half-written one.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """``data`` as indented JSON, written atomically."""
    write_atomically(path, json.dumps(data, indent=2) + "\n")
