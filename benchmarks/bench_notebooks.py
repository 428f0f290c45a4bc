"""The whole course executed headless: each notebook's time and its kernel's peak memory.

Budgets: all five notebooks in under 60 s together; each kernel under 1 GiB (instructors
run the course on JupyterHub with small per-user limits). Each notebook runs in a fresh
kernel, as ``make notebooks`` runs it, without saving.
"""

from __future__ import annotations

from benchmarks.report import Row
from tools.run_notebooks import NOTEBOOKS, execute

COURSE_SECONDS = 60.0
KERNEL_BYTES = 1024**3


def run() -> list[Row]:
    rows, total = [], 0.0
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        seconds, peak = execute(path, save=False, measure_memory=True)
        total += seconds
        rows.append(Row(f"{path.stem}: time", seconds, COURSE_SECONDS, "course budget", 1.0))
        rows.append(
            Row(f"{path.stem}: kernel peak memory", peak / 1024**3, 1.0, "1 GiB", 1.0, unit="GiB")
        )
    rows.append(Row("whole course: time", total, COURSE_SECONDS, "budget", 1.0))
    return rows
