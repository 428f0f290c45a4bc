"""Make the exercise stubs from the solutions: ``lesson stubs`` (instructors only).

Between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the markers nbgrader and
otter-grader use), a solution's code is replaced by ``raise NotImplementedError``;
everything else (the docstrings that teach, the signatures) is kept as it is. So
``solutions/`` is the one source of truth and ``exercises/`` is never edited by hand.

A stub that differs from what would be generated may hold a learner's work: it is left
alone, and the command says so, unless told to replace it (``--force``).
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_BLOCK = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}\n", re.M | re.S
)
STUB = '{indent}raise NotImplementedError("write this function: see its docstring")\n'


def make_stub(source: str) -> str:
    """``source`` with every solution block replaced by ``raise NotImplementedError``."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(
            f"unbalanced solution markers: {source.count(BEGIN)} {BEGIN!r} "
            f"and {source.count(END)} {END!r}"
        )
    return SOLUTION_BLOCK.sub(lambda match: STUB.format(indent=match["indent"]), source)


def stubs_for(solutions: Path) -> dict[str, str]:
    """File name -> stub text, for every ``ex*.py`` in ``solutions``."""
    return {path.name: make_stub(path.read_text()) for path in sorted(solutions.glob("ex*.py"))}


def write_stubs(course: Path, force: bool = False) -> list[Path]:
    """Write ``course/exercises/`` from ``course/solutions/``; return the files written.

    Raises ``FileExistsError`` naming the stubs that differ from the generated ones (a
    learner's edits, or stubs from older solutions) unless ``force``.
    """
    solutions, exercises = Path(course) / "solutions", Path(course) / "exercises"
    if not solutions.is_dir():
        raise ValueError(
            f"{solutions} is not a folder: run this in the course folder "
            "(with solutions/), or pass --course"
        )
    stubs = stubs_for(solutions)
    changed = [
        exercises / name
        for name, text in stubs.items()
        if (exercises / name).is_file() and (exercises / name).read_text() != text
    ]
    if changed and not force:
        raise FileExistsError(
            "these files differ from the generated stubs and may hold a learner's work: "
            + ", ".join(map(str, changed))
            + ". Nothing was written. To replace them anyway: lesson stubs --force"
        )
    exercises.mkdir(exist_ok=True)
    written = []
    for name, text in stubs.items():
        if not (exercises / name).is_file() or (exercises / name).read_text() != text:
            (exercises / name).write_text(text)
            written.append(exercises / name)
    return written


PACKAGED = Path("lesson_pkg") / "exercises"


def write_packaged_stubs(course: Path) -> list[Path]:
    """Write the stubs the package ships, ``course/lesson_pkg/exercises/``; return those written.

    They are what :func:`lesson_pkg.workspace.prepare_workspace` puts beside a notebook
    opened without the course (Colab, Kaggle). Generated, never edited: always replaced.
    A course folder without the package's sources (``lesson_pkg/``) has none to write.
    """
    solutions = Path(course) / "solutions"
    if not solutions.is_dir():
        raise ValueError(f"{solutions} is not a folder: run this in the course folder")
    folder = Path(course) / PACKAGED
    if not folder.parent.is_dir():
        return []
    folder.mkdir(exist_ok=True)
    stubs = stubs_for(solutions)
    written = []
    for stale in set(folder.glob("ex*.py")) - {folder / name for name in stubs}:
        stale.unlink()
    for name, text in stubs.items():
        if not (folder / name).is_file() or (folder / name).read_text() != text:
            (folder / name).write_text(text)
            written.append(folder / name)
    return written
