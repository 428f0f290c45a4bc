"""The instructor's hidden tests: pytest files run against a submission's session.

A hidden test is a pytest function that takes the ``submission`` fixture and may carry
a ``points(n)`` marker; its docstring's first line, starting with the function it
grades, is its name::

    @pytest.mark.points(2)
    def test_one_sample(submission):
        \"\"\"steps_per_epoch: one sample is one step (hidden)\"\"\"
        assert submission.run("steps_per_epoch", 1, 32) == 1, "one sample is one step"

``submission.run(function, *args, **kwargs)`` finds the file from the function's name,
runs it in the sandboxed worker and returns its result as plain data (a plain tensor,
number or list, built by the grader: it cannot lie about equality); if the function
fails, the test fails with the reason. ``submission.call(file, function, args, kwargs,
grad_args, cotangent)`` is the long form, returning an ``Outcome``.

Only the hidden folder is collected: a ``conftest.py`` or test file in a submission is
never run. The full list of tests is recorded at collection, before anything runs, and a
test that never reports counts as failed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from lesson_pkg.grading import exercises
from lesson_pkg.grading.core.results import TestResult
from lesson_pkg.grading.runner.outcome import CallRequest, Outcome
from lesson_pkg.grading.runner.worker_client import Session


class SubmissionFailed(AssertionError):
    """The submitted function raised, hung or returned something that is not plain data."""


class HiddenTestSubmission:
    """The ``submission`` fixture: the student's functions, run in their worker."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def run(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in the sandbox; its result, or SubmissionFailed."""
        graded = exercises.graded(function)  # ValueError for a name that is not graded
        request = CallRequest(graded.file, function, list(args), kwargs, [], None, graded.forbidden)
        outcome = self._session.call(request)
        if not outcome.ok:
            raise SubmissionFailed(outcome.error)
        return outcome.result["value"]

    def call(
        self,
        file: str,
        function: str,
        args: list[Any],
        kwargs: dict[str, Any],
        grad_args: list[int],
        cotangent: Any,
    ) -> Outcome:
        """The long form: every option of the worker, and the whole Outcome."""
        forbidden = exercises.graded(function).forbidden if exercises.is_graded(function) else ()
        request = CallRequest(file, function, args, kwargs, grad_args, cotangent, forbidden)
        return self._session.call(request)

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome:
        """Run training ``function`` of ``file`` on the seeded scenario ``spec``."""
        return self._session.scenario(file, function, spec)


class HiddenTestsPlugin:
    """Turns the hidden tests' pytest reports into :class:`TestResult` rows."""

    def __init__(self, session: Session) -> None:
        self._submission = HiddenTestSubmission(session)
        self.results: dict[str, TestResult] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        """Declare the ``points`` marker."""
        config.addinivalue_line("markers", "points(n): the points a hidden test is worth")

    @pytest.fixture(scope="session")
    def submission(self) -> HiddenTestSubmission:
        """The fixture hidden tests take: the student's functions."""
        return self._submission

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Record every test with its points before any runs (an unfinished one fails)."""
        for item in items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            function, _, title = _display_name(item).partition(": ")
            self.results[item.nodeid] = TestResult(function, title, points, hidden=True)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Keep each test's outcome: full points when it passed, else none and why."""
        report = yield
        result = self.results.get(item.nodeid)
        if result is None or report.when == "teardown":
            return report
        if report.passed and report.when == "call":
            result.record(True)
        elif report.failed:
            result.record(False, _first_line(call.excinfo) if call.excinfo else "failed")
        return report


def run_hidden_tests(folder: Path, session: Session) -> list[TestResult]:
    """Run the tests in ``folder`` (``test_*.py``, ``grade_*.py``) against ``session``."""
    plugin = HiddenTestsPlugin(session)
    arguments = [
        str(folder),
        "-q",
        "-p",
        "no:cacheprovider",
        "--confcutdir",
        str(folder),
        "--rootdir",
        str(folder),
        "-c",
        os.devnull,
        "--no-header",
        "-o",
        "python_files=test_*.py grade_*.py",
    ]
    # only this plugin runs, and pytest's own progress output is not part of the report
    with (
        mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),
    ):
        pytest.main(arguments, plugins=[plugin])
    return list(plugin.results.values())


def _display_name(item: pytest.Item) -> str:
    """The test's docstring's first line (``function: what``), or its name."""
    doc = getattr(item, "function", None).__doc__ if hasattr(item, "function") else None
    return doc.strip().splitlines()[0] if doc else f"hidden: {item.name}"


def _first_line(excinfo: pytest.ExceptionInfo) -> str:
    """The assertion's own message, without pytest's expression rewriting."""
    message = str(excinfo.value).split("\nassert ")[0].strip()
    if message.startswith("assert "):  # no message of its own: pytest's first line
        message = message.splitlines()[0]
    return (message or excinfo.typename)[:500]
