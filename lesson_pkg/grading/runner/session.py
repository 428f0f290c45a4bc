"""The grader's side of the sandbox: a worker process per submission, restarted as needed.

Each request has a time limit; a worker that hangs is killed, one that dies (``exit``,
``os._exit``, a crash, memory exhaustion) is noticed by the end of its reply pipe. Either
way that call fails, a fresh worker starts, and grading goes on. Replies are read with
:mod:`lesson_pkg.grading.protocol`, which never runs code.
"""

from __future__ import annotations

import os
import secrets
import select
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from lesson_pkg.grading import protocol
from lesson_pkg.grading.engine import Outcome
from lesson_pkg.grading.spawn import CALL_SECONDS, MEMORY_BYTES, Process, Worker, spawn_worker

STARTUP_SECONDS = 120.0
FATAL_FAILURES_PER_FUNCTION = 2


class Sandbox:
    """Runs the exercise functions of one submission folder in a separate process."""

    def __init__(
        self,
        directory: str | Path,
        call_seconds: float = CALL_SECONDS,
        memory_bytes: int = MEMORY_BYTES,
        spawner: Callable[[Path, int], Worker] = spawn_worker,
    ) -> None:
        self.directory = Path(directory).resolve()
        self.spawner = spawner
        self.call_seconds = call_seconds
        self.memory_bytes = memory_bytes
        self._process: Process | None = None
        self._imported: set[str] = set()
        self._import_errors: dict[str, str] = {}
        self._fatal: dict[str, list[str]] = {}

    # --- the worker's life ------------------------------------------------------------

    def start(self, worker: Worker | None = None) -> None:
        """Start the worker now (or adopt one already started by :func:`spawn_worker`)."""
        worker = worker or self.spawner(self.directory, self.memory_bytes)
        self._process, self._request_write, self._reply_read = worker
        self._buffer = b""
        self._imported = set()
        self._ready = False

    def _wait_until_ready(self) -> None:
        ready = self._read_reply(STARTUP_SECONDS)
        self._ready = True
        if not isinstance(ready, dict) or ready.get("id") != "ready":
            self.close()
            raise RuntimeError("the grading worker failed to start")

    def close(self) -> None:
        """Stop the worker (if any); a later request starts a new one."""
        if self._process is None:
            return
        for descriptor in (self._request_write, self._reply_read):
            try:
                os.close(descriptor)
            except OSError:
                pass
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._process = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- requests ---------------------------------------------------------------------

    def _read_reply(self, seconds: float) -> Any:
        """One reply line, or "timeout" / "died" / "garbled"."""
        deadline = time.monotonic() + seconds
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            readable, _, _ = select.select([self._reply_read], [], [], remaining)
            if not readable:
                return "timeout"
            chunk = os.read(self._reply_read, 1 << 20)
            if not chunk:
                return "died"
            self._buffer += chunk
            if len(self._buffer) > protocol.MAX_MESSAGE_BYTES:
                return "garbled"
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return protocol.loads(line)
        except protocol.ProtocolError:
            return "garbled"

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._process is None:
            self.start()
        if not self._ready:
            self._wait_until_ready()
        message = {**message, "id": secrets.token_hex(8)}
        try:
            os.write(self._request_write, protocol.dumps(message))
        except BrokenPipeError:
            reply: Any = "died"
        else:
            reply = self._read_reply(self.call_seconds)
        if isinstance(reply, dict) and reply.get("id") == message["id"]:
            return reply
        self.close()  # hung, dead or lying: start afresh next time
        kind = reply if isinstance(reply, str) else "garbled"
        messages = {
            "timeout": f"took longer than {self.call_seconds:g} s: is there an infinite loop?",
            "died": "your code ended the Python process (exit, os._exit, a crash or running "
            "out of memory)",
            "garbled": "the reply from your code was unreadable (did it write to the "
            "grader's pipe?)",
        }
        return {"ok": False, "kind": kind, "message": messages[kind]}

    def _ensure_imported(self, file: str) -> str | None:
        """None once ``file`` imports; otherwise why it cannot (remembered for later)."""
        if file in self._import_errors:
            return self._import_errors[file]
        if file in self._imported and self._process is not None:
            return None
        reply = self._request({"op": "import", "file": file})
        if reply["ok"]:
            self._imported.add(file)
            return None
        reason = reply["message"]
        if reply.get("kind") in ("died", "timeout", "garbled"):
            reason = f"importing {file}.py failed: {reason}"
        self._import_errors[file] = f"{file}.py could not be imported: {reason}"
        return self._import_errors[file]

    def _outcome(self, file: str, message: dict[str, Any]) -> Outcome:
        import_error = self._ensure_imported(file)
        if import_error:
            return Outcome(ok=False, error_kind="import", error=import_error)
        fatal = self._fatal.setdefault(message["function"], [])
        if len(fatal) >= FATAL_FAILURES_PER_FUNCTION:  # do not restart the worker forever
            return Outcome(
                ok=False,
                error_kind="skipped",
                error=f"not run: earlier calls failed the same way ({fatal[-1]})",
            )
        reply = self._request({**message, "file": file})
        if reply.get("kind") in ("timeout", "died", "garbled"):
            fatal.append(reply["message"])
        if reply["ok"]:
            result = reply.get("result")
            if isinstance(result, dict):
                return Outcome(ok=True, result=result)
            return Outcome(ok=False, error_kind="garbled", error="the reply had no result")
        return Outcome(
            ok=False,
            error_kind=reply.get("kind", "exception"),
            error=str(reply.get("message", ""))[:500],
        )

    def call(
        self,
        file: str,
        function: str,
        args: list[Any],
        kwargs: dict[str, Any],
        grad_args: list[int],
        cotangent: torch.Tensor | None,
    ) -> Outcome:
        return self._outcome(
            file,
            {
                "op": "call",
                "function": function,
                "args": args,
                "kwargs": kwargs,
                "grad_args": grad_args,
                "cotangent": cotangent,
            },
        )

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome:
        return self._outcome(file, {"op": "scenario", "function": function, "spec": spec})
