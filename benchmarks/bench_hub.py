"""Memory per learner on a JupyterHub: what the instructor guide's sizing table is built on.

``python -m benchmarks --only hub`` measures what one learner holds at the worst moment of
a session: their single-user JupyterLab server (idle, after serving the first lesson),
one kernel that has run every lesson from 00 through 04 in turn (its peak, and what it
still holds at the end), and one ``lesson grade`` of their exercises (the peak of the
grader and its worker processes together, sampled from ``/proc``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from benchmarks.report import Row

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("0[0-4]_*.ipynb"))
KERNEL_BYTES = 1024**3
MEMORY_CELL = (
    "with open('/proc/self/status') as _status:\n"
    "    _vm = {l.split(':')[0]: int(l.split()[1]) * 1024 for l in _status if l[:2] == 'Vm'}\n"
    "print(_vm['VmHWM'], _vm['VmRSS'])"
)


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants now (0 once it is gone)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found[1]) * 1024 if found else 0
    return total


def peak_tree_rss(command: list[str], **options) -> tuple[int, float]:
    """Run ``command``; return the peak resident bytes of its process tree, and seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, **options)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.02)
    return peak, time.perf_counter() - started


def kernel_through_lessons() -> tuple[int, int]:
    """(peak, final) resident bytes of one kernel that ran lessons 00 to 04 in turn."""
    os.environ["LESSON_PKG_PLAIN_OUTPUT"] = "1"
    cells = [
        cell
        for path in LESSONS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    ]
    notebook = nbformat.v4.new_notebook(cells=[*cells, nbformat.v4.new_code_cell(MEMORY_CELL)])
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()
    peak, final = notebook.cells[-1].outputs[0]["text"].split()
    return int(peak), int(final)


def idle_server_rss() -> int:
    """Resident bytes of a JupyterLab server (and its children) after serving a lesson."""
    lab = subprocess.Popen(
        [sys.executable, "-m", "lesson_pkg.cli", "lab", "--no-browser",
         "--ip=127.0.0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert lab.stdout is not None
        for line in lab.stdout:
            found = re.search(r"The first lesson: (http://\S+)", line)
            if found:
                urllib.request.urlopen(found[1], timeout=60).close()
                time.sleep(2)
                return _tree_rss(lab.pid)
        raise RuntimeError("lesson lab ended without serving")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)


def grading_peak() -> tuple[int, float]:
    """Peak resident bytes of one ``lesson grade`` of a submission, and its seconds."""
    command = [sys.executable, "-m", "lesson_pkg.grade", "--target", "solutions"]
    return peak_tree_rss(command, cwd=ROOT)


def run() -> list[Row]:
    measured = {"server": idle_server_rss()}
    measured["kernel peak"], measured["kernel final"] = kernel_through_lessons()
    measured["grading peak"], seconds = grading_peak()
    per_learner = measured["server"] + measured["kernel peak"] + measured["grading peak"]
    gib = 1024**3
    return [
        Row("JupyterLab server, idle", measured["server"] / gib, 1.0, "1 GiB", 1.0, unit="GiB"),
        Row("one kernel, lessons 00-04: peak", measured["kernel peak"] / gib, 1.0, "1 GiB", 1.0,
            unit="GiB"),
        Row("one kernel, lessons 00-04: at the end", measured["kernel final"] / gib, 1.0,
            "1 GiB", 1.0, unit="GiB"),
        Row(f"one `lesson grade` ({seconds:.1f} s): peak", measured["grading peak"] / gib, 1.0,
            "1 GiB", 1.0, unit="GiB"),
        Row("one learner at the worst moment (sum)", per_learner / gib, 2.0, "2 GiB", 1.0,
            unit="GiB"),
    ]  # fmt: skip
