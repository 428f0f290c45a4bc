"""Grading one folder of exercise files: the one path every front end takes.

:func:`grade_folder` reads the submission's files (plain files only), runs every case of
:mod:`~lesson_pkg.grading.exercises` and, if given, the instructor's hidden tests in a
worker of a :class:`~lesson_pkg.grading.runner.host_client.WorkerHost`, and returns a
:class:`~lesson_pkg.grading.core.results.Report`. Every process the submission started
is gone before it returns, so a report written afterwards cannot be touched by it.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from lesson_pkg.grading import exercises
from lesson_pkg.grading.core.cases import Case, expected_results
from lesson_pkg.grading.core.engine import grade_case
from lesson_pkg.grading.core.results import Report, TestResult
from lesson_pkg.grading.front.submission_layout import exercise_folder
from lesson_pkg.grading.runner.host_client import HostFailed, WorkerHost
from lesson_pkg.grading.runner.isolation import Isolation, require_private
from lesson_pkg.grading.runner.limits import DEFAULT_LIMITS
from lesson_pkg.grading.runner.worker_client import Session, read_sources


class NoTestsFound(ValueError):
    """A hidden-tests folder without a single test: grading it would report nothing."""


def grade_folder(
    target: str | Path,
    hidden: str | Path | None = None,
    isolation: str = "auto",
    call_seconds: float = DEFAULT_LIMITS.call_seconds,
    host: WorkerHost | None = None,
) -> Report:
    """Grade the exercise files in ``target`` (and ``hidden`` tests, if any).

    ``host`` is a worker host already started (the command line starts it first, so that
    its import of torch overlaps with this process's; class grading keeps one per
    process); otherwise one is started with the ``isolation`` policy ("auto", "strict"
    or "none") and stopped at the end.
    """
    started = time.perf_counter()
    with exercise_folder(target) as folder:  # top level, one folder down, or a zip
        sources = read_sources(folder, exercises.exercise_files())
    own_host = host is None
    host = host or WorkerHost(isolation)
    limits = dataclasses.replace(DEFAULT_LIMITS, call_seconds=call_seconds)
    session = Session(host, sources, limits, exercises.every_forbidden())
    report = Report(isolation=host.description)
    try:
        if hidden is not None and host.isolation is Isolation.USER:
            require_private([Path(hidden)], host.uid, host.gid)
        cases = exercises.cases_for()
        for case in cases:  # the reference's results, while the sandbox starts
            expected_results(case)
        report.tests = [_grade(case, session) for case in cases]
        if hidden is not None:
            from lesson_pkg.grading.front.plugin import run_hidden_tests

            hidden_tests = run_hidden_tests(Path(hidden), session)
            if not hidden_tests:
                raise NoTestsFound(
                    f"no hidden test found in {hidden}: expected test_*.py or grade_*.py "
                    "files with test_ functions"
                )
            report.tests += hidden_tests
    finally:
        session.close()
        if own_host:
            host.close()
    report.execution_time = time.perf_counter() - started
    return report


def _grade(case: Case, session: Session) -> TestResult:
    test = TestResult(case.function, case.title, case.points)
    try:
        result = grade_case(case, session)
    except HostFailed:
        raise  # the grading machine, not the submission, is at fault: say so loudly
    except Exception as error:  # a fault of the grader must cost no point nor crash it
        test.record(
            False,
            f"the grader could not run this test ({type(error).__name__}: "
            f"{error}); tell the course staff",
        )
        return test
    mistake = result.mistake
    test.record(
        result.passed,
        result.problem,
        mistake.id if mistake else "",
        mistake.hint if mistake else "",
        result.error_kind,
    )
    return test
