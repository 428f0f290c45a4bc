"""The similarity report: what it flags, what it does not, and its time for a class of 200.

Two measurements:

- separation, on the tests' class (``tests/grading/classmates.py``): four students who
  wrote every function independently, the course's correct-but-different alternative,
  an untouched stub and a copy of the solutions (7 honest students, 21 honest pairs),
  and three planted copies (verbatim, every variable renamed, functions reordered).
  Printed: each planted copy's score, the highest honest score, the threshold, and the
  false-positive rate (honest pairs flagged / honest pairs);
- time, on a class of 200: each student takes each function's body from one of the four
  styles at random, or leaves it unwritten (so students share whole functions, as real ones do),
  plus six planted copies. Budget (issue 25): under 30 s added to grading a class.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from itertools import combinations
from pathlib import Path

from benchmarks.report import Row
from lesson_pkg.grading.front import similarity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "grading"))
from classmates import STYLES, plant_copy, write_class, write_honest  # noqa: E402

STUDENTS = 200
BUDGET_SECONDS = 30.0


def separation() -> dict[str, float]:
    """Planted copies' scores, the best honest score and the false-positive rate."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        honest, planted = write_class(folder)
        with redirect_stdout(StringIO()):
            pairs = similarity.report_class(folder, Path(scratch) / "out", ROOT)
    scores = {(pair.first, pair.second): pair for pair in pairs}
    honest_pairs = [tuple(sorted(pair)) for pair in combinations(honest, 2)]
    honest_scores = [scores[p].score if p in scores else 0 for p in honest_pairs]
    flagged = sum(scores[p].flagged for p in honest_pairs if p in scores)
    result = {f"planted {copy}": scores[tuple(sorted((copy, original)))].score
              for copy, original in planted}  # fmt: skip
    result["best honest pair"] = max(honest_scores)
    result["honest pairs"] = len(honest_pairs)
    result["false-positive rate"] = flagged / len(honest_pairs)
    return result


def make_class(folder: Path, students: int = STUDENTS, seed: int = 0) -> list[tuple[str, str]]:
    """``students`` mixed-style students, six of them planted copies of others."""
    chooser = random.Random(seed)
    names = list(STYLES[0])
    for index in range(students - 6):
        mixed = {name: chooser.choice([*STYLES, {}]).get(name, "") for name in names}
        write_honest(folder / f"student_{index:03d}", {k: v for k, v in mixed.items() if v})
    planted = []
    for index, how in enumerate(("verbatim", "renamed", "reordered") * 2):
        original = f"student_{index * 7:03d}"
        plant_copy(folder / original, folder / f"copy_{index}_{how}", how, seed=index)
        planted.append((f"copy_{index}_{how}", original))
    return planted


def timing() -> tuple[float, int, int]:
    """Seconds for a class of 200, planted copies flagged, pairs flagged in all."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        planted = make_class(folder)
        started = time.perf_counter()
        with redirect_stdout(StringIO()):
            pairs = similarity.report_class(folder, Path(scratch) / "out", ROOT)
        seconds = time.perf_counter() - started
    flagged = {(pair.first, pair.second) for pair in pairs if pair.flagged}
    caught = sum(tuple(sorted(pair)) in flagged for pair in planted)
    return seconds, caught, len(flagged)


def run() -> list[Row]:
    """The separation printed, the time as a row against its budget."""
    for name, value in separation().items():
        print(f"  {name}: {value:g}")
    print(f"  threshold: {similarity.FLAG_TOKENS} matched tokens")
    seconds, caught, flagged = timing()
    print(f"  class of {STUDENTS}: {caught}/6 planted copies flagged, {flagged} pairs flagged")
    return [Row(f"similarity report, class of {STUDENTS}", seconds, BUDGET_SECONDS, "budget", 1.0)]


if __name__ == "__main__":
    from benchmarks.report import format_table

    print(format_table("Similarity report (the peer column is the budget)", run()))
