"""Grading's own entry points: ``grade``, ``grade-class`` and ``similarity``.

Each verb is two functions: one adds its options to a parser, one runs it. The course's
command (:mod:`lesson_pkg.cli`, ``lesson grade ...``) and ``python -m lesson_pkg.grade``
(:func:`grade_main`) are both built from them. Nothing heavy is imported before a verb
runs: ``lesson --help`` stays instant.

The exit status says whether the command ran (0), could not (2: a bad argument, or
isolation that ``--isolation strict`` requires and the machine lacks; 3: the grading
machine failed), never a score: a submission that fails every test still gets a valid
report.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ISOLATION_HELP = (
    "auto: the best the operating system offers; strict: refuse to grade without "
    "namespaces (bubblewrap) or an unprivileged user; none: no isolation"
)


def folder(value: str) -> Path:
    """An existing folder, for ``type=`` of an argument."""
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder")
    return path


def _submission(value: str) -> Path:
    path = Path(value)
    if not (path.is_dir() or (path.is_file() and path.suffix == ".zip")):
        raise argparse.ArgumentTypeError(f"{value} is not a folder (nor a .zip file)")
    return path


def _limit_options(parser: argparse.ArgumentParser) -> None:
    """The hidden tests and the time limit: both ways of grading take them."""
    from lesson_pkg.grading.runner.limits import DEFAULT_LIMITS

    parser.add_argument(
        "--hidden",
        type=folder,
        metavar="DIR",
        help="a folder of the instructor's hidden tests (test_*.py)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_LIMITS.call_seconds,
        metavar="SECONDS",
        help=f"most seconds one call may take (default: {DEFAULT_LIMITS.call_seconds:g})",
    )


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    """``grade``'s options: the submission, the reports to write, the isolation."""
    parser.add_argument(
        "--target",
        type=_submission,
        default="exercises",
        help="folder (or .zip) holding ex01_losses.py, ..., at its top or one folder down "
        "(default: exercises)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write Gradescope's results.json")
    parser.add_argument(
        "--classroom50", metavar="PATH", help="also write Classroom 50's result.json"
    )
    parser.add_argument(
        "--isolation", choices=("auto", "strict", "none"), default="auto", help=ISOLATION_HELP
    )
    parser.add_argument(
        "--github-summary",
        action="store_true",
        help="also append the table to $GITHUB_STEP_SUMMARY (GitHub Actions)",
    )
    _limit_options(parser)


def _class_options(parser: argparse.ArgumentParser) -> None:
    """Where a class's results go, and how many are graded at once."""
    parser.add_argument(
        "--out", type=Path, required=True, help="where the gradebook, summary and reports go"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: every core)"
    )
    parser.add_argument(
        "--force", action="store_true", help="grade again students already graded in --out"
    )


def _late_options(parser: argparse.ArgumentParser) -> None:
    """Late work (lesson_pkg.grading.front.lateness) and the gradebooks' options."""
    late = parser.add_argument_group("late work and gradebooks")
    late.add_argument("--roster", type=Path, help="CSV: folder,name,email,lms_id,sis_id")
    late.add_argument("--deadline", help="ISO-8601 with its offset: 2026-10-01T23:59:00+00:00")
    late.add_argument("--late-penalty", default="0%", help="per day late, e.g. 10%%/day")
    late.add_argument("--late-cap", default="100%", help="largest penalty, e.g. 50%%")
    late.add_argument("--grace", default="0s", help="no penalty within it, e.g. 15m, 2h")
    late.add_argument("--late-policy", type=Path, help="a TOML file: deadline, penalty, cap, grace")
    late.add_argument("--times", type=Path, help="CSV folder,time: the last source of times")
    late.add_argument("--assignment", help="the LMS's assignment (grade item) column name")
    late.add_argument("--no-similarity", action="store_true", help="skip the similarity report")
    late.add_argument(
        "--course", type=folder, default=".", help="the course folder (its stubs: boilerplate)"
    )


def add_grade_class_arguments(parser: argparse.ArgumentParser) -> None:
    """``grade-class``'s options: the class's folder, where results go, late work."""
    parser.add_argument("submissions", type=folder, help="one sub-folder per student")
    _class_options(parser)
    _limit_options(parser)
    _late_options(parser)


def add_similarity_arguments(parser: argparse.ArgumentParser) -> None:
    """``similarity``'s options: the class's folder, where the report goes."""
    parser.add_argument("submissions", type=folder, help="one sub-folder per student")
    parser.add_argument("--out", type=Path, required=True, help="where the report goes")
    parser.add_argument("--course", type=folder, default=".", help="the course folder")


def run_grade(args: argparse.Namespace) -> int:
    """Grade one submission: print the table, write the reports asked for."""
    from lesson_pkg.grading.runner.host_client import WorkerHost

    host = WorkerHost(args.isolation)  # it imports torch while this process does the same
    from lesson_pkg.grading.core.results import write_json
    from lesson_pkg.grading.front.folder import grade_folder

    try:
        report = grade_folder(args.target, args.hidden, call_seconds=args.time_limit, host=host)
    finally:
        host.close()  # every process of the submission is gone: now the report may be written
    print(report.table())
    if args.json:
        write_json(args.json, report.to_gradescope())
    if args.classroom50:
        from lesson_pkg.grading.front.classroom50 import to_classroom50

        write_json(args.classroom50, to_classroom50(report, args.target))
    if args.github_summary:
        _github_summary(report.table())
    return 0


def _github_summary(table: str) -> None:
    """The table, as Markdown, in the workflow run's summary page."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    text = "## Autograder\n\n```\n" + table + "\n```\n"
    if path:
        with open(path, "a") as handle:
            handle.write(text)
    else:
        print(text)


def run_grade_class(args: argparse.Namespace) -> int:
    """Grade a class; write the gradebooks; 1 when the roster does not match."""
    from lesson_pkg.grading.front.class_grading import Status, grade_class
    from lesson_pkg.grading.front.gradebooks import check_options, finish_from_options

    check_options(args)
    started = time.perf_counter()
    students = grade_class(
        args.submissions, args.out, args.hidden, args.jobs, args.force, args.time_limit
    )
    seconds = time.perf_counter() - started
    graded = sum(student.status is Status.GRADED for student in students)
    print(
        f"{len(students)} students ({graded} fully importable) in {seconds:.0f} s "
        f"({seconds / len(students):.1f} s per submission): {args.out / 'gradebook.csv'}, "
        f"{args.out / 'summary.csv'}"
    )
    return finish_from_options(args, students)


def run_similarity(args: argparse.Namespace) -> int:
    """Write the similarity report of a class."""
    from lesson_pkg.grading.front.similarity import report_class

    report_class(args.submissions, args.out, args.course)
    return 0


def exit_status(verb: str, command: Callable[[], int]) -> int:
    """Run ``command``; a refusal is status 2 and a failed grading machine 3, said on stderr."""
    from lesson_pkg.grading.runner.host_client import HostFailed
    from lesson_pkg.grading.runner.isolation import IsolationUnavailable

    try:
        return command()
    except (IsolationUnavailable, ValueError, FileExistsError) as error:
        print(f"lesson {verb}: {error}", file=sys.stderr)
        return 2
    except HostFailed as error:
        print(
            f"lesson {verb}: the grading machine failed, not the submission: {error}",
            file=sys.stderr,
        )
        return 3


def grade_parser() -> argparse.ArgumentParser:
    """``python -m lesson_pkg.grade``: ``grade``'s options, and ``--class`` for a class."""
    parser = argparse.ArgumentParser(
        prog="python -m lesson_pkg.grade",
        description="Grade one submission (lesson grade), or with --class a whole class "
        "(lesson grade-class).",
    )
    add_grade_arguments(parser)
    parser.set_defaults(target=None)  # exercises/, checked only when grading one submission
    whole_class = parser.add_argument_group("a whole class (with --class)")
    whole_class.add_argument(
        "--class", dest="submissions", type=folder, help="one sub-folder per student"
    )
    whole_class.add_argument("--out", type=Path, help="where the gradebook, summary and reports go")
    whole_class.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    whole_class.add_argument("--force", action="store_true", help="grade again those in --out")
    _late_options(parser)
    return parser


def grade_main(argv: list[str] | None = None) -> int:
    """Grade one submission, or with ``--class`` a class; the exit status."""
    parser = grade_parser()
    args = parser.parse_args(argv)
    one_only = {"--target": args.target, "--json": args.json, "--classroom50": args.classroom50}
    if args.submissions is None:
        try:
            args.target = args.target or _submission("exercises")
        except argparse.ArgumentTypeError as error:
            parser.error(f"argument --target: {error}")
        return exit_status("grade", lambda: run_grade(args))
    if args.out is None:
        parser.error("--class needs --out: where the gradebook, summary and reports go")
    if given := [option for option, value in one_only.items() if value]:
        parser.error(f"{', '.join(given)}: for one submission, not with --class")
    return exit_status("grade-class", lambda: run_grade_class(args))
