"""A learner's first install: fresh clone -> first lesson served, its time and venv size.

``python -m benchmarks --only install`` clones the repository (its last commit) into a
temporary folder and runs ``make lab`` there, as the README says, with pip's usual sources
(on a learner's machine PyPI and pip's cache; here a local mirror). The clock stops when
the first lesson's URL, as ``make lab`` prints it, answers 200. Then it measures the
venv on disk and counts NVIDIA (CUDA) packages in it: none on a machine without a GPU.
Budget: under 90 s and 1 GB where the packages come from a nearby cache.

pip installs the course without bytecode (``--no-compile``): Python writes it for what a
lesson imports, the first time. What that costs is printed below the table: the first
lesson executed twice (bytecode written, then read) and the venv's size after.
``PYTHONDONTWRITEBYTECODE`` is left out of the environment, as on a learner's machine.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.report import Row

ROOT = Path(__file__).resolve().parent.parent
SECONDS, BYTES = 90.0, 1000**3
LEARNER = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
FIRST_LESSON = "notebooks/00_start_here.ipynb"


def folder_bytes(folder: Path) -> int:
    """Bytes on disk of everything under ``folder`` (hard links counted once)."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        stat = path.lstat()
        if (stat.st_dev, stat.st_ino) not in seen:
            seen.add((stat.st_dev, stat.st_ino))
            total += stat.st_blocks * 512
    return total


def first_install(clone: Path) -> tuple[float, str]:
    """Seconds from ``make lab`` in a fresh clone to its first lesson served, and its log."""
    started = time.perf_counter()
    lab = subprocess.Popen(
        ["make", "lab", "ARGS=--no-browser --ip=127.0.0.1"],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=LEARNER,
    )
    log = []
    try:
        assert lab.stdout is not None
        for line in lab.stdout:
            log.append(line)
            found = re.search(r"The first lesson: (http://\S+)", line)
            if found:
                with urllib.request.urlopen(found[1], timeout=60) as response:
                    assert response.status == 200
                return time.perf_counter() - started, "".join(log)
        raise RuntimeError("make lab ended without serving:\n" + "".join(log[-40:]))
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)


def lesson_seconds(clone: Path) -> float:
    """Seconds to execute the first lesson headless in the clone's venv (nbconvert)."""
    started = time.perf_counter()
    subprocess.run(
        [str(clone / ".venv" / "bin" / "jupyter"), "nbconvert", "--to", "notebook",
         "--execute", "--stdout", FIRST_LESSON],
        cwd=clone, check=True, capture_output=True, env=LEARNER,
    )  # fmt: skip
    return time.perf_counter() - started


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="first-install-") as folder:
        clone = Path(folder) / "course"
        subprocess.run(
            ["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True
        )
        seconds, log = first_install(clone)
        venv = clone / ".venv"
        size = folder_bytes(venv)
        first_run, second_run = lesson_seconds(clone), lesson_seconds(clone)
        size_after = folder_bytes(venv)
        listed = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    cuda = [line for line in listed if line.lower().startswith("nvidia")]
    torch = next(line for line in listed if line.startswith("torch=="))
    print(f"{len(listed)} packages, {torch}, NVIDIA packages: {len(cuda)}; from pip:")
    print("".join(line for line in log.splitlines(True) if line.startswith(("Succ", "torch"))))
    print(
        f"{FIRST_LESSON} executed: {first_run:.1f} s the first time (bytecode written for "
        f"what it imports), {second_run:.1f} s the second; the venv is then "
        f"{size_after / 1000**3:.2f} GB"
    )
    return [
        Row("fresh clone -> first lesson served: time", seconds, SECONDS, "90 s", 1.0),
        Row("the venv on disk", size / 1000**3, BYTES / 1000**3, "1 GB", 1.0, unit="GB"),
    ]
