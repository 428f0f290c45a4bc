"""Grading a whole class: one sub-folder per student, every core busy, one gradebook.

``lesson grade-class SUBMISSIONS --out RESULTS`` grades each ``SUBMISSIONS/<student>/``
exactly as a single submission is graded (:func:`grade_folder`), in parallel, always
under strict isolation (a class is never graded unprotected), and writes:

- ``RESULTS/students/<student>/results.json``: the student's Gradescope report, and
  ``report.json``: every field of every test, which the two files below are made from;
- ``RESULTS/gradebook.csv``: student, points per exercise function, total, status;
- ``RESULTS/summary.csv``: for each test, how many students failed it and the most
  common named mistake: what to re-teach next session.

Each grading process keeps one worker host (torch imported once) and its own
unprivileged user id. A submission that cannot be graded (missing files, garbage,
tampering) is recorded with its reason and never stops the batch. Running again skips
students already graded, unless ``force`` is set.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import multiprocessing.util
import os
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from lesson_pkg.grading.core.results import Report, spreadsheet_cell, write_json
from lesson_pkg.grading.exercises import graded_functions
from lesson_pkg.grading.front.folder import grade_folder
from lesson_pkg.grading.runner import isolation
from lesson_pkg.grading.runner.host_client import WorkerHost
from lesson_pkg.grading.runner.limits import DEFAULT_LIMITS
from lesson_pkg.grading.runner.outcome import ErrorKind, safe_text

RESULTS_FILE = "results.json"
REPORT_FILE = "report.json"
STUDENTS_FOLDER = "students"


class Status(str, Enum):
    """How far one student's submission could be graded."""

    __str__ = str.__str__  # the value, as enum.StrEnum (Python 3.11) gives

    GRADED = "graded"  # every file imported: every test ran
    NOT_IMPORTABLE = "not importable"  # a file missing or failing to import: its tests earn 0
    NOT_GRADED = "not graded"  # the grader itself failed on this submission


@dataclass(frozen=True)
class StudentResult:
    """One student's report (None if the grader itself failed), status, and why."""

    student: str
    report: Report | None
    status: Status
    detail: str = ""  # why, unless graded: the files' import problems, or the grader's error

    @property
    def status_text(self) -> str:
        """The gradebook's status cell: "graded", or why not, in one safe line."""
        return self.status.value if self.status is Status.GRADED else self.detail


def _result(student: str, report: Report) -> StudentResult:
    """The student's result: graded, or not importable and why (missing, syntax error...)."""
    kind = ErrorKind.IMPORT
    problems = sorted({test.problem for test in report.tests if test.error_kind is kind})
    if problems:
        return StudentResult(student, report, Status.NOT_IMPORTABLE, "; ".join(problems))
    return StudentResult(student, report, Status.GRADED)


_host: WorkerHost | None = None


def _start_host(slots: Any) -> None:
    """Pool initializer: each grading process gets its own host and worker user id."""
    global _host
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    _host = WorkerHost("strict", slot=slot)
    multiprocessing.util.Finalize(_host, _host.close, exitpriority=10)


def _grade_student(
    directory: Path, out: Path, hidden: Path | None, call_seconds: float
) -> StudentResult:
    """Grade one student in this (pool) process; a failure of the grader itself is a status."""
    try:
        report = grade_folder(directory, hidden, call_seconds=call_seconds, host=_host)
    except Exception as error:  # the batch must go on, whatever one submission does
        return _not_graded(directory.name, error)
    folder = student_folder(out, directory.name)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / RESULTS_FILE, report.to_gradescope())
    write_json(folder / REPORT_FILE, report.to_dict())
    return _result(directory.name, report)


def student_folder(out: Path, student: str) -> Path:
    """Where one student's reports go: below ``students/``.

    No student folder's name (``gradebook.csv``...) can then stand where the class's own
    files are written.
    """
    return out / STUDENTS_FOLDER / student


def _not_graded(student: str, error: BaseException) -> StudentResult:
    why = safe_text(f"{Status.NOT_GRADED.value}: {type(error).__name__}: {error}")
    return StudentResult(student, None, Status.NOT_GRADED, why)


def _already_graded(directory: Path, out: Path) -> StudentResult | None:
    path = student_folder(out, directory.name) / REPORT_FILE
    try:
        report = Report.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _result(directory.name, report)


def check_class_is_private(submissions: Path, hidden: Path | None, slots: int) -> None:
    """Without namespaces, the workers' users must not reach other students or hidden tests."""
    if isolation.choose("strict") is not isolation.Isolation.USER:
        return
    for slot in range(slots):
        isolation.require_private(
            [submissions, *([hidden] if hidden else [])], *isolation.worker_ids(slot)
        )


def grade_class(
    submissions: Path,
    out: Path,
    hidden: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    call_seconds: float = DEFAULT_LIMITS.call_seconds,
    progress: Callable[[int, int, StudentResult], None] | None = None,
) -> list[StudentResult]:
    """Grade every student folder in ``submissions``; write the files listed above to ``out``."""
    # a link to another student's folder would grade that work twice: links are skipped
    students = sorted(
        path for path in submissions.iterdir() if path.is_dir() and not path.is_symlink()
    )
    if not students:
        raise ValueError(f"{submissions} holds no student folder (one sub-folder per student)")
    jobs = jobs or os.cpu_count() or 1
    check_class_is_private(submissions, hidden, jobs)
    out.mkdir(parents=True, exist_ok=True)
    done = {} if force else {s.name: r for s in students if (r := _already_graded(s, out))}
    pending = [student for student in students if student.name not in done]
    results = dict(done)
    slots = multiprocessing.Value("i", 0)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_host, initargs=(slots,)) as pool:
        futures = {pool.submit(_grade_student, s, out, hidden, call_seconds): s for s in pending}
        for finished, future in enumerate(as_completed(futures), start=1):
            try:
                result = future.result()
            except Exception as error:  # a grading process died: the others go on
                result = _not_graded(futures[future].name, error)
            results[result.student] = result
            (progress or _progress)(finished, len(pending), result)
    ordered = [results[student.name] for student in students]
    write_gradebook(ordered, out / "gradebook.csv")
    write_summary(ordered, out / "summary.csv")
    return ordered


def _progress(finished: int, total: int, result: StudentResult) -> None:
    """A bar in a terminal, one line per student elsewhere (logs, CI)."""
    width = 30
    filled = width * finished // total
    score = "-" if result.report is None else f"{result.report.score:g}"
    student = safe_text(result.student, 80)
    line = f"[{'#' * filled}{'.' * (width - filled)}] {finished}/{total}  {student}: {score}"
    if sys.stderr.isatty():
        print("\r" + line, end="\n" if finished == total else "", file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)


def write_gradebook(students: list[StudentResult], path: Path) -> None:
    """student, points per exercise function, total, max, status: one row per student."""
    functions = [function.name for function in graded_functions()]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *functions, "total", "max", "status"])
        for student in students:
            report = student.report or Report()
            points = {function: earned for function, earned, _ in report.by_function()}
            writer.writerow(
                [
                    spreadsheet_cell(student.student),
                    *(f"{points.get(function, 0):g}" for function in functions),
                    f"{report.score:g}",
                    f"{report.max_score:g}",
                    spreadsheet_cell(student.status_text),
                ]
            )


def write_summary(students: list[StudentResult], path: Path) -> None:
    """For each test: how many failed it, and the most common named mistake."""
    failed: Counter[str] = Counter()
    mistakes: dict[str, Counter[str]] = {}  # test -> mistake id -> students
    hints: dict[str, str] = {}  # mistake id -> its hint, made a sentence only in the CSV
    for student in students:
        for test in (student.report or Report()).tests:
            mistakes.setdefault(test.name, Counter())
            if not test.passed:
                failed[test.name] += 1
                if test.mistake:
                    mistakes[test.name][test.mistake] += 1
                    hints[test.mistake] = test.hint
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["test", "failed", "of", "most common mistake", "students with it"])
        for name in sorted(mistakes, key=lambda name: -failed[name]):
            common = mistakes[name].most_common(1)
            mistake, count = common[0] if common else ("", 0)
            hint = spreadsheet_cell(hints.get(mistake, ""))
            writer.writerow([name, failed[name], len(students), hint, count])
