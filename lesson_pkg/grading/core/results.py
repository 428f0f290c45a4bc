"""The result of grading one submission: a table for people, JSON for Gradescope."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TestResult:
    """One graded test: its display name (starting with the function), points and message."""

    name: str
    max_score: float
    score: float = 0.0
    message: str = "no result: the test did not finish"
    hidden: bool = False

    @property
    def passed(self) -> bool:
        return self.score == self.max_score

    @property
    def function(self) -> str:
        return self.name.split(":", 1)[0]


@dataclass
class Report:
    tests: list[TestResult] = field(default_factory=list)
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)

    @property
    def has_hidden(self) -> bool:
        return any(test.hidden for test in self.tests)

    def summary(self) -> str:
        """One line; never claims "all tests passed" when hidden tests exist."""
        public = [test for test in self.tests if not test.hidden]
        line = f"Score: {self.score:g} / {self.max_score:g}."
        if public and all(test.passed for test in public):
            scope = "all public tests passed" if self.has_hidden else "all tests passed"
            line += f" {scope[0].upper()}{scope[1:]}."
        return line

    def by_function(self) -> list[tuple[str, float, float]]:
        """(function, points earned, points possible), in the order the tests ran."""
        totals: dict[str, list[float]] = {}
        for test in self.tests:
            earned, possible = totals.setdefault(test.function, [0.0, 0.0])
            totals[test.function] = [earned + test.score, possible + test.max_score]
        return [(name, earned, possible) for name, (earned, possible) in totals.items()]

    def table(self) -> str:
        """Exercise, points, pass/fail; then, for each failure, its first useful message."""
        rows = [f"{'exercise':<24} {'points':>9}  result", "-" * 44]
        for function, earned, possible in self.by_function():
            result = "pass" if earned == possible else "FAIL"
            rows.append(f"{function:<24} {earned:>4g} / {possible:<3g}  {result}")
        rows += ["-" * 44, self.summary()]
        failures = [test for test in self.tests if not test.passed]
        if failures:
            rows += ["", "What to fix:"]
            rows += [f"- {test.name}: {test.message}" for test in failures]
        return "\n".join(rows)

    def to_gradescope(self) -> dict:
        """Gradescope's results.json: score, execution_time, output and tests[]."""
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 2),
            "output": self.summary(),
            "tests": [
                {
                    "name": test.name,
                    "number": str(number),
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.passed else "failed",
                    "output": "" if test.passed else test.message,
                    "visibility": "after_published" if test.hidden else "visible",
                }
                for number, test in enumerate(self.tests, start=1)
            ],
        }

    def to_classroom(self) -> str:
        """GitHub Classroom's grading-reporter payload: base64 of a ``version: 1`` result.

        One entry per test with its points, so the reporter shows points per exercise
        rather than one all-or-nothing step.
        """
        payload = {
            "version": 1,
            "status": "pass" if self.score == self.max_score else "fail",
            "max_score": self.max_score,
            "tests": [
                {
                    "name": test.name,
                    "status": "pass" if test.passed else "fail",
                    "message": test.message if not test.passed else "",
                    "score": test.score,
                    "max_score": test.max_score,
                }
                for test in self.tests
            ],
        }
        return base64.b64encode(json.dumps(payload).encode()).decode("ascii")

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_gradescope(), indent=2) + "\n")
