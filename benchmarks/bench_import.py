"""``import lesson_pkg`` (and its modules) against ``import torch`` alone, in fresh interpreters.

Each import runs in a new Python process, alternating ours and the peer, median of the
runs. Target: within 1.2x of ``import torch``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks.report import Row

TARGET_RATIO = 1.2
RUNS = 7
PEER = "import torch"
OURS = {
    "import lesson_pkg": "import lesson_pkg",
    "import lesson_pkg.losses, .metrics": "import lesson_pkg.losses, lesson_pkg.metrics",
    "import lesson_pkg.training, .data": "import lesson_pkg.training, lesson_pkg.data",
}


def _seconds(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def run() -> list[Row]:
    _seconds(PEER)  # warm the file cache
    timings: dict[str, list[float]] = {PEER: [], **{statement: [] for statement in OURS.values()}}
    for _ in range(RUNS):
        for statement in timings:
            timings[statement].append(_seconds(statement))
    peer = statistics.median(timings[PEER])
    return [
        Row(name, statistics.median(timings[statement]), peer, PEER, TARGET_RATIO)
        for name, statement in OURS.items()
    ]
