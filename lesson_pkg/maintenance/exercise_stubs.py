"""Make the exercise stubs from the solutions: ``python -m lesson_pkg.grading.stubs``.

Between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the markers nbgrader and
otter-grader use), a solution's code is replaced by ``raise NotImplementedError``;
everything else (the docstrings that teach, the signatures) is kept as it is. So
``solutions/`` is the one source of truth and ``exercises/`` is never edited by hand.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_BLOCK = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}\n", re.M | re.S
)
STUB = '{indent}raise NotImplementedError("write this function: see its docstring")\n'
COURSE_ROOT = Path(__file__).resolve().parents[2]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solutions", type=Path, default=COURSE_ROOT / "solutions")
    parser.add_argument("--exercises", type=Path, default=COURSE_ROOT / "exercises")
    args = parser.parse_args()
    args.exercises.mkdir(exist_ok=True)
    for name, text in stubs_for(args.solutions).items():
        (args.exercises / name).write_text(text)
        print(f"wrote {args.exercises / name}")


if __name__ == "__main__":
    main()
