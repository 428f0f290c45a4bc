"""Grading one submission end to end, as a student or Gradescope runs it.

``python -m lesson_pkg.grade --target solutions`` in a fresh interpreter: torch import,
the sandboxed worker's start and every grader included. Budget (COURSE.md): under 5 s
wall.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import Row

BUDGET_SECONDS = 5.0
RUNS = 3
ROOT = Path(__file__).resolve().parent.parent


def _grade_once(target: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--target", target],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def run() -> list[Row]:
    rows = []
    for label, target in (
        ("grade solutions/ (all pass)", "solutions"),
        ("grade the stubs (all unwritten)", "lesson_pkg/exercises"),
    ):
        seconds = statistics.median(_grade_once(target) for _ in range(RUNS))
        rows.append(Row(label, seconds, BUDGET_SECONDS, "budget", 1.0))
    return rows
