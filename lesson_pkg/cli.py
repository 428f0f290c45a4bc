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

The grading verbs are grading's own (:mod:`lesson_pkg.grading.front.commands`); the
course's maintenance verbs call :mod:`lesson_pkg.maintenance`. The exit status says
whether the command ran (0), could not (2: a bad argument, or isolation that
``--isolation strict`` requires and the machine lacks), never a score: a submission that
fails every test still gets a valid report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from lesson_pkg.grading.front import commands
from lesson_pkg.grading.front.commands import folder

Command = Callable[[argparse.Namespace], int]


def _course_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=folder, default=".", help="the course folder")


def _lab(args: argparse.Namespace) -> int:
    from lesson_pkg.lab import run_lab

    return run_lab(args.course, args.jupyter_options)


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


def _grading_verbs(verbs: argparse._SubParsersAction) -> None:
    grade = verbs.add_parser("grade", help="grade one folder of exercise files")
    commands.add_grade_arguments(grade)
    grade.set_defaults(command=commands.run_grade)
    grade_class = verbs.add_parser("grade-class", help="grade a class: a folder per student")
    commands.add_grade_class_arguments(grade_class)
    grade_class.set_defaults(command=commands.run_grade_class)
    similarity = verbs.add_parser("similarity", help="a code-similarity report of a class")
    commands.add_similarity_arguments(similarity)
    similarity.set_defaults(command=commands.run_similarity)


def _maintenance_verbs(verbs: argparse._SubParsersAction) -> None:
    stubs = verbs.add_parser("stubs", help="regenerate exercises/ from solutions/ (instructors)")
    _course_option(stubs)
    stubs.add_argument(
        "--force",
        action="store_true",
        help="replace stubs that differ from the generated ones (a learner's work in them is lost)",
    )
    stubs.set_defaults(command=_stubs)
    student = verbs.add_parser(
        "student-release", help="the students' copy of the course, without solutions"
    )
    _course_option(student)
    student.add_argument("--out", type=Path, required=True)
    student.add_argument(
        "--ref", default="HEAD", help="the git commit to build it from (default: HEAD)"
    )
    student.set_defaults(command=_student_release)
    solutions = verbs.add_parser(
        "release-solutions", help="the solutions, to publish after the deadline"
    )
    _course_option(solutions)
    solutions.add_argument("--out", type=Path, required=True)
    solutions.set_defaults(command=_release_solutions)
    gradescope = verbs.add_parser("gradescope", help="Gradescope's autograder zip")
    _course_option(gradescope)
    gradescope.add_argument("--out", type=Path, required=True)
    gradescope.add_argument("--hidden", type=folder, metavar="DIR", help="hidden tests to include")
    gradescope.set_defaults(command=_gradescope)
    archive = verbs.add_parser("grader-archive", help="the grader for a GitHub Actions workflow")
    _course_option(archive)
    archive.add_argument("--out", type=Path, required=True)
    archive.set_defaults(command=_grader_archive)


def parser() -> argparse.ArgumentParser:
    """The ``lesson`` command's parser: every verb and its options."""
    from lesson_pkg.room.server import add_arguments

    top = argparse.ArgumentParser(
        prog="lesson", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    verbs = top.add_subparsers(dest="verb", required=True, metavar="VERB")
    lab = verbs.add_parser("lab", help="open the course in JupyterLab at the first lesson")
    _course_option(lab)
    lab.set_defaults(command=_lab)
    _grading_verbs(verbs)
    _maintenance_verbs(verbs)
    room = verbs.add_parser("room", help="the live workshop room: who passes, which mistakes")
    add_arguments(room)
    room.set_defaults(command=_room)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one verb; return the exit status."""
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.verb != "lab":
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_options = extra
    command: Command = args.command
    return commands.exit_status(args.verb, lambda: command(args))


if __name__ == "__main__":
    sys.exit(main())
