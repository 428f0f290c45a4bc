"""The pytest plugin that turns the graders into a :class:`Report`.

It gives tests the ``submission`` fixture (a sandbox around the target folder) and the
``points(n)`` marker, records the full list of tests at collection, before anything runs,
and keeps one result per test: a test that never reports counts as failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lesson_pkg.grading.report import Report, TestResult
from lesson_pkg.grading.sandbox import Sandbox
from lesson_pkg.grading.spawn import Worker


class GradingPlugin:
    def __init__(
        self,
        target: Path,
        hidden: Path | None,
        call_seconds: float,
        worker: Worker | None,
        spawner: Callable[[Path, int], Worker],
    ) -> None:
        self.target = target
        self.hidden = hidden.resolve() if hidden else None
        self.report = Report()
        self._results: dict[str, TestResult] = {}
        self.sandbox = Sandbox(target, call_seconds=call_seconds, spawner=spawner)
        self._worker = worker

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): the points a grader test is worth")
        self.sandbox.start(self._worker)  # the worker imports torch while pytest collects

    @pytest.fixture(scope="session")
    def submission(self) -> Sandbox:
        return self.sandbox

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            hidden = self.hidden is not None and self.hidden in Path(item.path).resolve().parents
            result = TestResult(name=_display_name(item), max_score=points, hidden=hidden)
            self._results[item.nodeid] = result
            self.report.tests.append(result)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        result = self._results.get(item.nodeid)
        if result is None or report.when == "teardown":
            return report
        if report.passed and report.when == "call":
            result.score, result.message = result.max_score, ""
        elif report.failed:
            result.score = 0.0
            result.message = _first_line(call.excinfo) if call.excinfo else "failed"
        return report

    def pytest_sessionfinish(self) -> None:
        self.sandbox.close()


def _display_name(item: pytest.Item) -> str:
    """The case's name (``function: what``), or the test's docstring, or its name."""
    case = getattr(item, "callspec", None) and item.callspec.params.get("case")
    if case is not None and hasattr(case, "name"):
        return case.name
    doc = getattr(item.function, "__doc__", None) if hasattr(item, "function") else None
    return doc.strip().splitlines()[0] if doc else item.name


def _first_line(excinfo: pytest.ExceptionInfo) -> str:
    """The assertion's own message, without pytest's expression rewriting."""
    message = str(excinfo.value).split("\nassert ")[0].strip()
    return (message or excinfo.typename)[:500]
