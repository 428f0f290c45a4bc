"""Grading a whole class: one sub-folder per student, every core busy, one gradebook.

``python -m lesson_pkg.grade --class SUBMISSIONS --out RESULTS`` (or ``make grade-class``)
grades each ``SUBMISSIONS/<student>/`` exactly as a single submission is graded (its own
sandboxed worker), in parallel, and writes:

- ``RESULTS/<student>/results.json``: the student's Gradescope report;
- ``RESULTS/gradebook.csv``: student, points per exercise, total, status;
- ``RESULTS/summary.csv``: for each test, how many students failed it and the most
  common named mistake: what to re-teach next session.

A submission that cannot be graded (missing files, garbage, tampering) is recorded with
its reason and never stops the batch. Running again skips students already graded,
unless ``force`` is set.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from lesson_pkg.grading.cases import EXERCISE_FILES
from lesson_pkg.grading.spawn import CALL_SECONDS, ForkServer

RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class StudentResult:
    student: str
    results: dict | None
    status: str


def _status(results: dict) -> str:
    """ "graded", or why files could not be graded (missing, syntax error, exit at import)."""
    problems = sorted(
        {test["output"] for test in results["tests"] if "could not be imported" in test["output"]}
    )
    return "; ".join(problems) if problems else "graded"


_fork_server: ForkServer | None = None


def _start_fork_server() -> None:
    """Pool initializer: each grading process forks its workers from its own fork server."""
    global _fork_server
    _fork_server = ForkServer()
    atexit.register(_fork_server.close)


def _grade_student(
    directory: Path, out: Path, hidden: Path | None, call_seconds: float
) -> StudentResult:
    """Grade one student in this (pool) process; a failure of the grader itself is a status."""
    from lesson_pkg.grading.cli import grade

    try:
        report = grade(directory, hidden, call_seconds=call_seconds, spawner=_fork_server.spawn)
    except Exception as error:  # the batch must go on, whatever one submission does
        return StudentResult(directory.name, None, f"not graded: {type(error).__name__}: {error}")
    results = report.to_gradescope()
    (out / directory.name).mkdir(parents=True, exist_ok=True)
    (out / directory.name / RESULTS_FILE).write_text(json.dumps(results, indent=2) + "\n")
    return StudentResult(directory.name, results, _status(results))


def _already_graded(directory: Path, out: Path) -> StudentResult | None:
    path = out / directory.name / RESULTS_FILE
    if not path.is_file():
        return None
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return StudentResult(directory.name, results, _status(results))


def grade_class(
    submissions: Path,
    out: Path,
    hidden: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    call_seconds: float = CALL_SECONDS,
) -> list[StudentResult]:
    """Grade every student folder in ``submissions``; write the files listed above to ``out``."""
    students = sorted(path for path in submissions.iterdir() if path.is_dir())
    if not students:
        raise ValueError(f"{submissions} holds no student folder (one sub-folder per student)")
    out.mkdir(parents=True, exist_ok=True)
    done = {} if force else {s.name: r for s in students if (r := _already_graded(s, out))}
    pending = [student for student in students if student.name not in done]
    jobs = jobs or os.cpu_count() or 1
    results = dict(done)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_fork_server) as pool:
        futures = [pool.submit(_grade_student, s, out, hidden, call_seconds) for s in pending]
        for finished, future in enumerate(as_completed(futures), start=1):
            result = future.result()
            results[result.student] = result
            _progress(finished, len(pending), result)
    ordered = [results[student.name] for student in students]
    write_gradebook(ordered, out / "gradebook.csv")
    write_summary(ordered, out / "summary.csv")
    return ordered


def _progress(finished: int, total: int, result: StudentResult) -> None:
    """A bar in a terminal, one line per student elsewhere (logs, CI)."""
    width = 30
    filled = width * finished // total
    score = "-" if result.results is None else f"{result.results['score']:g}"
    line = f"[{'#' * filled}{'.' * (width - filled)}] {finished}/{total}  {result.student}: {score}"
    if sys.stderr.isatty():
        print("\r" + line, end="\n" if finished == total else "", file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)


def _points_by_function(results: dict | None) -> dict[str, float]:
    points: Counter[str] = Counter()
    for test in (results or {}).get("tests", []):
        points[test["name"].split(":")[0]] += test["score"]
    return points


def write_gradebook(students: list[StudentResult], path: Path) -> None:
    """student, points per exercise function, total, max, status: one row per student."""
    functions = [function for functions in EXERCISE_FILES.values() for function in functions]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *functions, "total", "max", "status"])
        for student in students:
            points = _points_by_function(student.results)
            maximum = sum(t["max_score"] for t in (student.results or {}).get("tests", []))
            total = student.results["score"] if student.results else 0
            writer.writerow(
                [
                    student.student,
                    *(f"{points[f]:g}" for f in functions),
                    f"{total:g}",
                    f"{maximum:g}",
                    student.status,
                ]
            )


def _hint(output: str) -> str:
    return output.split("Hint: ", 1)[1] if "Hint: " in output else ""


def write_summary(students: list[StudentResult], path: Path) -> None:
    """For each test: how many failed it, and the most common named mistake."""
    failed: Counter[str] = Counter()
    hints: dict[str, Counter[str]] = {}
    order: list[str] = []
    for student in students:
        for test in (student.results or {}).get("tests", []):
            name = test["name"]
            if name not in hints:
                hints[name] = Counter()
                order.append(name)
            if test["status"] == "failed":
                failed[name] += 1
                if hint := _hint(test["output"]):
                    hints[name][hint] += 1
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["test", "failed", "of", "most common mistake", "students with it"])
        for name in sorted(order, key=lambda name: -failed[name]):
            common = hints[name].most_common(1)
            mistake, count = common[0] if common else ("", 0)
            writer.writerow([name, failed[name], len(students), mistake, count])
