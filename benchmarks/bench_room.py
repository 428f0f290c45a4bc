"""The live room under a workshop's load, on loopback: ``python -m benchmarks --only room``.

300 simulated learners each post 20 results, at random (seeded) moments of one minute,
to a real ``lesson room`` process on 127.0.0.1, through the learners' own posting code
(:func:`lesson_pkg.room.client.post_json`: urllib, a new connection per post). Measured:
the results lost (planned but not counted by ``/api/summary``), a post's latency (median
and 95th percentile; budget, COURSE.md: p95 under 100 ms), the dashboard's refresh on the
full room (its live part, which the page polls, and ``/api/summary``) against the poll
interval, and the server's memory. Bounded: 6,000 posts, and posting stops 30 s after
the minute, whatever is left counting as lost.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.report import Row
from lesson_pkg.room.catalogue import catalogue
from lesson_pkg.room.client import POST_TIMEOUT, post_json
from lesson_pkg.room.page import REFRESH_SECONDS

LEARNERS, RESULTS_EACH, SECONDS = 300, 20, 60.0
THREADS = 32
LATENCY_BUDGET = 0.100  # seconds, for the 95th percentile
LATE = 30.0  # seconds after the minute when posting stops
REFRESHES = 10


def _start(folder: Path) -> tuple[subprocess.Popen, str, str]:
    """`lesson room` on a free loopback port: the process, the dashboard and join URLs."""
    log = folder / "room.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "lesson_pkg.cli", "room", "--host", "127.0.0.1",
         "--port", "0", "--db", str(folder / "room.sqlite3")],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (found := re.search(r"Learners join with: (\S+)", log.read_text())):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"lesson room did not start:\n{log.read_text()}")
        time.sleep(0.1)
    dashboard = re.search(r"Dashboard \(instructor only, keep it private\): (\S+)", log.read_text())
    assert dashboard is not None
    return server, dashboard[1], found[1]


def _plan(seconds: float) -> list[tuple[float, dict[str, Any]]]:
    """(moment, result) of every post, in time order: each learner's 20 over the minute."""
    rng = random.Random(0)
    functions = list(catalogue().values())
    plan = []
    for learner in range(LEARNERS):
        for _ in range(RESULTS_EACH):
            known = rng.choice(functions)
            passed = rng.random() < 0.4
            mistakes = list(known.hints)
            mistake = rng.choice(mistakes) if mistakes and not passed else ""
            result = {
                "exercise": known.exercise,
                "function": known.function,
                "points": 5 if passed else rng.randrange(5),
                "max_points": 5,
                "mistake": mistake,
                "name": f"seat {learner}",
                "kernel": f"learner-{learner:04d}",
            }
            plan.append((rng.uniform(0, seconds), result))
    return sorted(plan, key=lambda each: each[0])


def _load(join: str, seconds: float) -> list[float | None]:
    """Post the plan on time; each post's latency in seconds, or None where it failed."""
    start = time.monotonic() + 0.5
    stop = start + seconds + LATE

    def post(moment_and_result: tuple[float, dict[str, Any]]) -> float | None:
        moment, result = moment_and_result
        time.sleep(max(0.0, start + moment - time.monotonic()))
        if time.monotonic() > stop:
            return None
        began = time.perf_counter()
        try:
            status = post_json(join, {**result, "time": time.time()}, POST_TIMEOUT)
        except OSError:
            return None
        return time.perf_counter() - began if status == 201 else None

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(post, _plan(seconds)))


def _get(url: str) -> tuple[float, bytes]:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return time.perf_counter() - began, body


def _memory(pid: int, field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in MiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) / 1024 if found else float("nan")


def percentile_95(values: list[float]) -> float:
    """The 95th percentile (``statistics.quantiles``, exclusive method).

    >>> percentile_95([float(v) for v in range(1, 101)])
    95.95
    """
    return statistics.quantiles(values, n=20)[18]


def run(seconds: float = SECONDS) -> tuple[list[Row], list[str]]:
    """The table's rows, and the lines on lost results and memory printed under it."""
    with tempfile.TemporaryDirectory() as folder:
        server, dashboard, join = _start(Path(folder))
        try:
            started = _memory(server.pid, "VmRSS")
            latencies = _load(join, seconds)
            summary_url = dashboard.replace("/dashboard?", "/api/summary?")
            live_url = dashboard.replace("/dashboard?", "/dashboard/live?")
            stored = json.loads(_get(summary_url)[1])["results"]
            live = statistics.median(_get(live_url)[0] for _ in range(REFRESHES))
            summary = statistics.median(_get(summary_url)[0] for _ in range(REFRESHES))
            peak = _memory(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    answered = [latency for latency in latencies if latency is not None]
    planned = LEARNERS * RESULTS_EACH
    interval = float(REFRESH_SECONDS)
    rows = [
        Row("post latency, median", statistics.median(answered), LATENCY_BUDGET, "budget", 1.0),
        Row("post latency, p95", percentile_95(answered), LATENCY_BUDGET, "budget", 1.0),
        Row("dashboard refresh (live part), full room", live, interval, "poll interval", 1.0),
        Row("/api/summary, full room", summary, interval, "poll interval", 1.0),
    ]
    lost = planned - stored
    notes = [
        f"results: {planned} planned, {len(answered)} answered 201, {stored} counted by "
        f"/api/summary, {lost} lost: {'yes' if lost == 0 else 'NO'}",
        f"server memory: {started:.0f} MiB after start-up (the grader's catalogue imports "
        f"torch), {peak:.0f} MiB peak",
    ]
    return rows, notes
