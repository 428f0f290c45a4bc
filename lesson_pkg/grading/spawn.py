"""Starting a grading worker process; light enough to run before torch is imported.

The command line starts the worker first, so that the worker's imports (torch, a few
seconds) overlap with the grader's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

MEMORY_BYTES = 1024**3
CALL_SECONDS = 10.0


class Worker(NamedTuple):
    """A started worker and the grader's ends of its two pipes."""

    process: subprocess.Popen
    request_fd: int
    reply_fd: int


def spawn_worker(directory: Path, memory_bytes: int = MEMORY_BYTES) -> Worker:
    """Start ``python -I -m lesson_pkg.grading.worker`` on a submission folder.

    Isolated mode (``-I``) keeps the current folder and ``PYTHONPATH`` off its import path;
    it runs in the temporary folder, with no standard streams and a minimal environment.
    """
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LESSON_PKG_PLAIN_OUTPUT": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-m",
            "lesson_pkg.grading.worker",
            str(directory.resolve()),
            str(memory_bytes),
            str(request_read),
            str(reply_write),
        ],
        pass_fds=(request_read, reply_write),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
        env=environment,
        start_new_session=True,
    )
    os.close(request_read)
    os.close(reply_write)
    return Worker(process, request_write, reply_read)
