"""``lesson``: the course's command line, one verb per job (as otter-grader and nbgrader do).

- ``lesson lab [JUPYTER OPTIONS]``: JupyterLab on the course, printing the first lesson's
  URL (on any platform: ``make lab`` calls it);
- ``lesson grade [--target DIR] [--hidden DIR] [--json PATH] [--classroom50 PATH]``: grade
  one submission (``python -m lesson_pkg.grade`` is the same command);
- ``lesson grade-class SUBMISSIONS --out DIR [--roster CSV] [--deadline ...]``: grade a
  class, always isolated; with a roster, Canvas's and Moodle's import files; a late
  policy; a similarity report;
- ``lesson similarity SUBMISSIONS --out DIR``: the similarity report alone;
- ``lesson stubs``: regenerate ``exercises/`` from ``solutions/`` (instructors);
- ``lesson student-release --out DIR``: the students' copy, without solutions;
- ``lesson release-solutions --out DIR``: the solutions, after the deadline;
- ``lesson gradescope --out FILE.zip [--hidden DIR]``: Gradescope's autograder;
- ``lesson grader-archive --out FILE.tar.gz``: the grader for a GitHub Actions workflow;
- ``lesson room [--port N] [--host ADDR] [--db PATH] [--clear]``: the live workshop room
  (:mod:`lesson_pkg.room`).

The exit status says whether the command ran (0), could not (2: a bad argument, or
isolation that ``--isolation strict`` requires and the machine lacks), never a score:
a submission that fails every test still gets a valid report.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ISOLATION_HELP = (
    "auto: the best the operating system offers; strict: refuse to grade without "
    "namespaces (bubblewrap) or an unprivileged user; none: no isolation"
)


def _folder(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder")
    return path


def _submission(value: str) -> Path:
    path = Path(value)
    if not (path.is_dir() or (path.is_file() and path.suffix == ".zip")):
        raise argparse.ArgumentTypeError(f"{value} is not a folder (nor a .zip file)")
    return path


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
        "--course", type=_folder, default=".", help="the course folder (its stubs: boilerplate)"
    )


def _grade_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hidden",
        type=_folder,
        metavar="DIR",
        help="a folder of the instructor's hidden tests (test_*.py)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="most seconds one call may take (default: 10)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lesson", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    lab = verbs.add_parser("lab", help="open the course in JupyterLab at the first lesson")
    lab.add_argument("--course", type=_folder, default=".", help="the course folder")

    grade = verbs.add_parser("grade", help="grade one folder of exercise files")
    grade.add_argument(
        "--target",
        type=_submission,
        default="exercises",
        help="folder (or .zip) holding ex01_losses.py, ..., at its top or one folder down "
        "(default: exercises)",
    )
    grade.add_argument("--json", metavar="PATH", help="also write Gradescope's results.json")
    grade.add_argument(
        "--classroom50", metavar="PATH", help="also write Classroom 50's result.json"
    )
    grade.add_argument(
        "--isolation", choices=("auto", "strict", "none"), default="auto", help=ISOLATION_HELP
    )
    grade.add_argument(
        "--github-summary",
        action="store_true",
        help="also append the table to $GITHUB_STEP_SUMMARY (GitHub Actions)",
    )
    _grade_options(grade)

    grade_class = verbs.add_parser("grade-class", help="grade a class: a folder per student")
    grade_class.add_argument("submissions", type=_folder, help="one sub-folder per student")
    grade_class.add_argument(
        "--out", type=Path, required=True, help="where the gradebook, summary and reports go"
    )
    grade_class.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: every core)"
    )
    grade_class.add_argument(
        "--force", action="store_true", help="grade again students already graded in --out"
    )
    _grade_options(grade_class)
    _late_options(grade_class)

    similarity = verbs.add_parser("similarity", help="a code-similarity report of a class")
    similarity.add_argument("submissions", type=_folder, help="one sub-folder per student")
    similarity.add_argument("--out", type=Path, required=True, help="where the report goes")
    similarity.add_argument("--course", type=_folder, default=".", help="the course folder")

    stubs = verbs.add_parser("stubs", help="regenerate exercises/ from solutions/ (instructors)")
    stubs.add_argument("--course", type=_folder, default=".", help="the course folder")
    stubs.add_argument(
        "--force",
        action="store_true",
        help="replace stubs that differ from the generated ones (a learner's work in them is lost)",
    )

    for verb, help_text in (
        ("student-release", "the students' copy of the course, without solutions"),
        ("release-solutions", "the solutions, to publish after the deadline"),
    ):
        release = verbs.add_parser(verb, help=help_text)
        release.add_argument("--course", type=_folder, default=".", help="the course folder")
        release.add_argument("--out", type=Path, required=True)
        if verb == "student-release":
            release.add_argument(
                "--ref", default="HEAD", help="the git commit to build it from (default: HEAD)"
            )

    gradescope = verbs.add_parser("gradescope", help="Gradescope's autograder zip")
    gradescope.add_argument("--course", type=_folder, default=".", help="the course folder")
    gradescope.add_argument("--out", type=Path, required=True)
    gradescope.add_argument("--hidden", type=_folder, metavar="DIR", help="hidden tests to include")

    archive = verbs.add_parser("grader-archive", help="the grader for a GitHub Actions workflow")
    archive.add_argument("--course", type=_folder, default=".", help="the course folder")
    archive.add_argument("--out", type=Path, required=True)

    from lesson_pkg.room.server import add_arguments

    room = verbs.add_parser("room", help="the live workshop room: who passes, which mistakes")
    add_arguments(room)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one verb; return the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.verb != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_options = extra
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "lab": _lab,
        "grade": _grade,
        "grade-class": _grade_class,
        "similarity": _similarity,
        "stubs": _stubs,
        "student-release": _student_release,
        "release-solutions": _release_solutions,
        "gradescope": _gradescope,
        "grader-archive": _grader_archive,
        "room": _room,
    }
    from lesson_pkg.grading.runner.host import HostFailed
    from lesson_pkg.grading.runner.isolation import IsolationUnavailable

    try:
        return commands[args.verb](args)
    except (IsolationUnavailable, ValueError, FileExistsError) as error:
        print(f"lesson {args.verb}: {error}", file=sys.stderr)
        return 2
    except HostFailed as error:
        print(
            f"lesson {args.verb}: the grading machine failed, not the submission: {error}",
            file=sys.stderr,
        )
        return 3


def _lab(args: argparse.Namespace) -> int:
    from lesson_pkg.lab import run_lab

    return run_lab(args.course, args.jupyter_options)


def _grade(args: argparse.Namespace) -> int:
    from lesson_pkg.grading.runner.host import WorkerHost

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
        _github_summary(report)
    return 0


def _github_summary(report) -> None:
    """The table, as Markdown, in the workflow run's summary page."""
    import os

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    text = "## Autograder\n\n```\n" + report.table() + "\n```\n"
    if path:
        with open(path, "a") as handle:
            handle.write(text)
    else:
        print(text)


def _grade_class(args: argparse.Namespace) -> int:
    from lesson_pkg.grading.front.class_grading import grade_class
    from lesson_pkg.grading.front.gradebooks import check_options, finish_from_options

    check_options(args)
    started = time.perf_counter()
    students = grade_class(
        args.submissions, args.out, args.hidden, args.jobs, args.force, args.time_limit
    )
    seconds = time.perf_counter() - started
    graded = sum(student.status == "graded" for student in students)
    print(
        f"{len(students)} students ({graded} fully importable) in {seconds:.0f} s "
        f"({seconds / len(students):.1f} s per submission): {args.out / 'gradebook.csv'}, "
        f"{args.out / 'summary.csv'}"
    )
    return finish_from_options(args, students)


def _similarity(args: argparse.Namespace) -> int:
    from lesson_pkg.grading.front.similarity import report_class

    report_class(args.submissions, args.out, args.course)
    return 0


def _stubs(args: argparse.Namespace) -> int:
    from lesson_pkg.maintenance.exercise_stubs import write_packaged_stubs, write_stubs

    for path in write_packaged_stubs(args.course) + write_stubs(args.course, force=args.force):
        print(f"wrote {path}")
    return 0


def _student_release(args: argparse.Namespace) -> int:
    from lesson_pkg.maintenance.releases import build_student_release

    print(f"student copy in {build_student_release(args.course, args.out, args.ref)}")
    return 0


def _release_solutions(args: argparse.Namespace) -> int:
    from lesson_pkg.maintenance.releases import release_solutions

    print(f"solutions in {release_solutions(args.course, args.out)}")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from lesson_pkg.maintenance.releases import build_gradescope

    print(f"Gradescope autograder: {build_gradescope(args.course, args.out, args.hidden)}")
    return 0


def _grader_archive(args: argparse.Namespace) -> int:
    from lesson_pkg.maintenance.releases import build_grader_archive

    print(f"grader archive: {build_grader_archive(args.course, args.out)}")
    return 0


def _room(args: argparse.Namespace) -> int:
    from lesson_pkg.room.server import run

    try:
        return run(args)
    except OSError as error:  # the port is taken, the address is not this machine's, ...
        print(f"lesson room: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
