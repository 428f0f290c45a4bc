"""The grader's end of the host's control socket: start the worker host, ask it for workers.

Light enough to start before torch is imported (the other end: :mod:`host_server`).

:class:`WorkerHost` starts the host process (:mod:`lesson_pkg.grading.runner.host_server`)
in the isolation :mod:`~lesson_pkg.grading.runner.isolation` chose, so that the host's
import of torch overlaps with the grader's own. Sessions ask it for workers
(:meth:`WorkerHost.spawn`) and for the end of one (:meth:`WorkerHost.stop_workers`:
it returns once every process of that worker is gone).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
from typing import Any

from lesson_pkg.grading.runner import isolation as isolation_
from lesson_pkg.grading.runner import landlock, lines
from lesson_pkg.grading.runner.limits import Limits

STARTUP_SECONDS = 120.0


class HostFailed(RuntimeError):
    """The worker host did not start, or stopped answering."""


class WorkerHost:
    """The process that forks workers, started under the chosen isolation."""

    def __init__(self, policy: str = "auto", slot: int = 0) -> None:
        self.isolation = isolation_.choose(policy)
        self.uid, self.gid, self._uid_claim = isolation_.claim_worker_ids(slot)
        protected = self.isolation is not isolation_.Isolation.NONE
        self.file_rules = landlock.abi_version() if protected else 0
        if self.isolation is isolation_.Isolation.USER:
            isolation_.require_python_reachable(self.uid, self.gid)
            if not self.file_rules:
                isolation_.require_private(isolation_.course_paths(), self.uid, self.gid)
        self._log = tempfile.TemporaryFile()
        self._start()

    @property
    def description(self) -> str:
        """The isolation, in one line for the report."""
        return self.isolation.describe(self.uid, self.file_rules)

    def _start(self) -> None:
        self._control, theirs = socket.socketpair()
        command = isolation_.host_command(self.isolation, theirs.fileno(), self.uid, self.gid)
        self._process = subprocess.Popen(
            command,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            cwd=tempfile.gettempdir(),
            env=isolation_.host_environment(),
            start_new_session=True,
        )
        theirs.close()
        self._ready = False
        self._reader = lines.LineReader(self._control.fileno(), self._control.recv)

    def _reply(self, seconds: float) -> dict[str, Any]:
        try:
            return json.loads(self._reader.line(seconds))
        except lines.ReadFailed:
            raise HostFailed(self._failure_text()) from None

    def _last_log_line(self) -> str:
        self._log.seek(0)
        log = self._log.read().decode(errors="replace").strip().splitlines()
        return log[-1] if log else "no message"

    def _failure_text(self) -> str:
        return f"the grading worker host ({self.isolation.value}) stopped: {self._last_log_line()}"

    def _request(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> dict[str, Any]:
        if not self._ready:
            self._reply(STARTUP_SECONDS)
            self._ready = True
        socket.send_fds(self._control, [json.dumps(message).encode()], list(fds))
        return self._reply(STARTUP_SECONDS)

    def spawn(self, limits: Limits) -> tuple[int, int]:
        """A new worker under ``limits``: the grader's ends of its request and reply pipes."""
        request = {"op": "spawn", "limits": limits.to_message()}
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            self._request(request, (request_read, reply_write))
        except (HostFailed, OSError):
            self.restart()
            self._request(request, (request_read, reply_write))
        finally:
            os.close(request_read)
            os.close(reply_write)
        return request_write, reply_read

    def stop_workers(self) -> None:
        """Return once every process of the current worker is gone.

        Raises HostFailed if some could not be stopped: no report may be written then.
        """
        try:
            reply = self._request({"op": "stop"})
        except (HostFailed, OSError):
            self.restart()  # a host that died took its workers with it (see close)
            return
        if not reply.get("stopped"):
            raise HostFailed(
                f"processes of the submission could not be stopped ({self._last_log_line()})"
            )

    def restart(self) -> None:
        """Stop the host and start a fresh one."""
        self.close()
        self._start()

    def close(self) -> None:
        """Stop the host; it stops every worker first, and bubblewrap tears down the rest."""
        self._control.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
