"""Starting a grading worker process; light enough to run before torch is imported.

The command line starts the worker first, so that the worker's imports (torch, a few
seconds) overlap with the grader's own.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple, Protocol

MEMORY_BYTES = 1024**3
CALL_SECONDS = 10.0


class Process(Protocol):
    """What the sandbox needs of a worker process (``subprocess.Popen`` has it)."""

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def wait(self) -> int: ...


class Worker(NamedTuple):
    """A started worker and the grader's ends of its two pipes."""

    process: Process
    request_fd: int
    reply_fd: int


def _environment() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LESSON_PKG_PLAIN_OUTPUT": "1",
    }


def _start(arguments: list[str], pass_fds: tuple[int, ...]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-I", "-m", "lesson_pkg.grading.worker", *arguments],
        pass_fds=pass_fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
        env=_environment(),
        start_new_session=True,
    )


def spawn_worker(directory: Path, memory_bytes: int = MEMORY_BYTES) -> Worker:
    """Start ``python -I -m lesson_pkg.grading.worker`` on a submission folder.

    Isolated mode (``-I``) keeps the current folder and ``PYTHONPATH`` off its import path;
    it runs in the temporary folder, with no standard streams and a minimal environment.
    """
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    process = _start(
        [str(directory.resolve()), str(memory_bytes), str(request_read), str(reply_write)],
        (request_read, reply_write),
    )
    os.close(request_read)
    os.close(reply_write)
    return Worker(process, request_write, reply_read)


class ForkedProcess:
    """A worker forked by a :class:`ForkServer`: known by its pid, reaped by the kernel."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self) -> int:
        deadline = time.monotonic() + 5
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return -1


class ForkServer:
    """One prepared worker (torch imported, references blocked) that forks the others.

    Used when a class is graded: each submission gets a fresh worker in milliseconds
    instead of the seconds an interpreter needs to import torch.
    """

    def __init__(self) -> None:
        self._control, theirs = socket.socketpair()
        self._process = _start(["--fork-server", str(theirs.fileno())], (theirs.fileno(),))
        theirs.close()

    def spawn(self, directory: Path, memory_bytes: int = MEMORY_BYTES) -> Worker:
        """A new worker for the submission in ``directory``."""
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        message = json.dumps({"directory": str(directory.resolve()), "memory": memory_bytes})
        socket.send_fds(self._control, [message.encode()], [request_read, reply_write])
        os.close(request_read)
        os.close(reply_write)
        pid = json.loads(self._control.recv(4096))["pid"]
        return Worker(ForkedProcess(pid), request_write, reply_read)

    def close(self) -> None:
        self._control.close()
        self._process.kill()
        self._process.wait()
