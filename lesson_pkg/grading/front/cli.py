"""``python -m lesson_pkg.grade``: grade a folder of exercise files and report the score.

The exit status says whether grading ran (0) or could not (2: a bad argument), never
the score: a submission that fails every test still gets a valid report.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from lesson_pkg.grading.report import Report
from lesson_pkg.grading.spawn import CALL_SECONDS, Worker, spawn_worker

COURSE_ROOT = Path(__file__).resolve().parents[2]
GRADERS = COURSE_ROOT / "tests" / "grading"


def grade(
    target: str | Path,
    hidden: str | Path | None = None,
    graders: str | Path = GRADERS,
    call_seconds: float = CALL_SECONDS,
    worker: Worker | None = None,
    spawner: Callable[[Path, int], Worker] = spawn_worker,
) -> Report:
    """Grade the exercise files in ``target`` with the graders (and hidden tests).

    Each call of a submitted function may take at most ``call_seconds``. ``worker`` is a
    worker already started on ``target``, if any; ``spawner`` starts the others
    (:func:`spawn_worker`, or a :class:`ForkServer`'s ``spawn`` when grading a class).
    """
    import pytest  # imported here, with torch, after the worker has been started

    from lesson_pkg.grading.plugin import GradingPlugin

    started = time.perf_counter()
    plugin = GradingPlugin(
        Path(target), Path(hidden) if hidden else None, call_seconds, worker, spawner
    )
    paths = [str(graders)] + ([str(hidden)] if hidden else [])
    arguments = [
        *paths,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--confcutdir",
        str(graders),
        "--rootdir",
        str(graders),
        "-c",
        os.devnull,
        "--no-header",
        "-o",
        "python_files=test_*.py grade_*.py",
    ]
    autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the grading plugin runs
    try:
        # pytest's own progress output is not part of the grader's report
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            pytest.main(arguments, plugins=[plugin])
    finally:
        if autoload is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    plugin.report.execution_time = time.perf_counter() - started
    return plugin.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lesson_pkg.grade", description=__doc__)
    parser.add_argument(
        "--target",
        default="exercises",
        help="folder holding ex01_losses.py, ... (default: exercises)",
    )
    parser.add_argument(
        "--json", metavar="PATH", help="also write Gradescope's results.json to PATH"
    )
    parser.add_argument(
        "--hidden", metavar="DIR", help="a folder of the instructor's hidden tests (test_*.py)"
    )
    parser.add_argument(
        "--classroom",
        action="store_true",
        help="also emit GitHub Classroom's result: `result=<base64>` appended to "
        "$GITHUB_OUTPUT when set, else printed",
    )
    parser.add_argument(
        "--class",
        dest="class_dir",
        metavar="SUBMISSIONS",
        help="grade a whole class: one sub-folder per student (needs --out)",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="with --class: where the gradebook, summary and reports go"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="with --class: submissions graded at once (default: every core)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --class: grade again students already graded in --out",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=CALL_SECONDS,
        metavar="SECONDS",
        help=f"most seconds one call may take (default: {CALL_SECONDS:g})",
    )
    args = parser.parse_args(argv)
    if args.class_dir:
        return _grade_class(parser, args)
    target = Path(args.target)
    if not target.is_dir():
        parser.error(f"--target {target} is not a folder")
    if args.hidden and not Path(args.hidden).is_dir():
        parser.error(f"--hidden {args.hidden} is not a folder")
    worker = spawn_worker(target)  # it imports torch while this process does the same
    report = grade(target, args.hidden, call_seconds=args.time_limit, worker=worker)
    print(report.table())
    if args.json:
        report.write_json(args.json)
    if args.classroom:
        _emit_classroom(report.to_classroom())
    return 0


def _emit_classroom(payload: str) -> None:
    """Hand the payload to the workflow step's outputs (or print it outside Actions)."""
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a") as handle:
            handle.write(f"result={payload}\n")
    else:
        print(f"result={payload}")


def _grade_class(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from lesson_pkg.grading.batch import grade_class

    if not args.out:
        parser.error("--class needs --out DIR for the gradebook and reports")
    if not Path(args.class_dir).is_dir():
        parser.error(f"--class {args.class_dir} is not a folder")
    started = time.perf_counter()
    students = grade_class(
        Path(args.class_dir),
        Path(args.out),
        Path(args.hidden) if args.hidden else None,
        args.jobs,
        args.force,
        args.time_limit,
    )
    seconds = time.perf_counter() - started
    graded = sum(student.status == "graded" for student in students)
    print(
        f"{len(students)} students ({graded} fully importable) in {seconds:.0f} s "
        f"({seconds / len(students):.1f} s per submission): {Path(args.out) / 'gradebook.csv'}, "
        f"{Path(args.out) / 'summary.csv'}"
    )
    return 0
