"""Grading a class of 200 generated submissions in one command, on every core.

The class mixes what a real one holds: complete solutions, partial work (one to three
classic mistakes), untouched stubs, a syntax error and a missing file. Budget
(COURSE.md): the whole class in under 3 minutes on this machine's cores; the table also
gives seconds per submission.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import Row
from lesson_pkg.grading.exercises import mistakes_for

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "grading"))
from submissions import write_submission  # noqa: E402  (the tests' submission builder)

STUDENTS = 200
BUDGET_SECONDS = 180.0


def make_class(folder: Path, students: int = STUDENTS, seed: int = 0) -> None:
    """``students`` sub-folders: 40 % complete, 40 % partial, 20 % broken in some way."""
    chooser = random.Random(seed)
    for index in range(students):
        student = folder / f"student_{index:03d}"
        kind = index % 10
        if kind < 4:
            write_submission([], student)
        elif kind < 8:
            write_submission(chooser.sample(mistakes_for(), chooser.randint(1, 3)), student)
        elif kind == 8:
            shutil.copytree(ROOT / "lesson_pkg" / "exercises", student)  # untouched stubs
        else:
            write_submission([], student)
            broken = student / "ex01_losses.py" if index % 20 == 9 else student / "ex03_accuracy.py"
            if broken.name == "ex01_losses.py":
                broken.write_text(broken.read_text().replace("def mse_loss(", "def mse_loss(("))
            else:
                broken.unlink()


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        submissions, results = Path(scratch) / "class", Path(scratch) / "results"
        make_class(submissions)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "lesson_pkg.cli",
                "grade-class",
                str(submissions),
                "--out",
                str(results),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
    return [
        Row(f"grade a class of {STUDENTS}", seconds, BUDGET_SECONDS, "budget", 1.0),
        Row("  per submission", seconds / STUDENTS, BUDGET_SECONDS / STUDENTS, "budget", 1.0),
    ]
