"""The grader's end of a worker's pipes: one submission's session, its calls and their limits.

Its functions run in a worker forked by the host (the other end: :mod:`worker_server`).

Each call has a time limit: a worker that hangs is stopped, one that dies (``exit``,
``os._exit``, a crash, memory exhaustion) is noticed by the end of its reply pipe, and
either way that call fails, a fresh worker starts, and grading goes on. Replies are read
with :mod:`~lesson_pkg.grading.runner.protocol`, which never runs code.
:meth:`Session.close` returns only when every process the submission started is gone.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import os
import secrets
import stat
import time
from typing import Any

from lesson_pkg.grading.runner import lines, protocol
from lesson_pkg.grading.runner.host_client import STARTUP_SECONDS, HostFailed, WorkerHost
from lesson_pkg.grading.runner.limits import DEFAULT_LIMITS, Limits
from lesson_pkg.grading.runner.outcome import FATAL_KINDS, CallRequest, ErrorKind, Outcome

FATAL_FAILURES_PER_FUNCTION = 2
MAX_SOURCE_BYTES = 1 << 20


class Session:
    """Runs the exercise functions of one submission in a worker of ``host``."""

    def __init__(
        self,
        host: WorkerHost,
        sources: dict[str, str],
        limits: Limits = DEFAULT_LIMITS,
        forbidden: tuple[str, ...] = (),
    ) -> None:
        self.host = host
        self.limits = limits
        self.forbidden = forbidden  # blocked while the files import, so none is saved
        self._spent = 0.0
        self.sources = sources
        self._pipes: tuple[int, int] | None = None
        self._reader: lines.LineReader | None = None
        self._imported: set[str] = set()
        self._import_errors: dict[str, str] = {}
        self._refused = {
            file: f"{file}.py uses {found}, which reaches into the grader's process: "
            "not allowed while grading"
            for file, text in sources.items()
            if (found := reaches_into_grader(text))
        }
        self._fatal: dict[str, list[str]] = {}
        self._start_failure: Outcome | None = None  # the worker died loading the imports

    # --- the worker's life ------------------------------------------------------------

    def _start_worker(self) -> None:
        request_write, reply_read = self.host.spawn(self.limits)  # the host's time, not theirs
        started = time.monotonic()
        try:
            self._load_worker(request_write, reply_read)
        finally:  # loading the modules the files name: the submission's time
            self._spent += time.monotonic() - started

    def _load_worker(self, request_write: int, reply_read: int) -> None:
        """Send the files to a new worker and wait until it has loaded what they import."""
        self._pipes = (request_write, reply_read)
        self._reader = lines.LineReader(reply_read, functools.partial(os.read, reply_read))
        self._imported = set()
        first = {"sources": self.sources, "forbidden": list(self.forbidden)}
        with contextlib.suppress(BrokenPipeError):  # ended: its replies say how far it got
            os.write(request_write, protocol.dumps(first))
        loading = self._read_reply(STARTUP_SECONDS)
        if not isinstance(loading, dict) or loading.get("id") != "loading":
            self.close()
            raise HostFailed("the grading worker failed to start")
        ready = self._read_reply(STARTUP_SECONDS)  # the modules the files name load now
        if not isinstance(ready, dict) or ready.get("id") != "ready":
            self.close()
            self._start_failure = self._loading_failure(ready)

    def _loading_failure(self, reply: Any) -> Outcome:
        """Why the modules the files import (loaded before any of their code) failed."""
        why = {
            ErrorKind.TIMEOUT: f"loading them took longer than {STARTUP_SECONDS:g} s",
            ErrorKind.DIED: "loading them ended the worker, or used more than "
            f"{self.limits.memory_bytes / 2**30:g} GiB of memory",
        }.get(reply, "the worker's reply was unreadable")
        return Outcome.failure(
            ErrorKind.IMPORT, f"the modules your files import could not be loaded: {why}"
        )

    def close(self) -> None:
        """Stop the worker and every process it started; a later call starts a new one."""
        if self._pipes is None:
            return
        for descriptor in self._pipes:
            try:
                os.close(descriptor)
            except OSError:
                pass
        self._pipes = None
        self.host.stop_workers()

    # --- requests ---------------------------------------------------------------------

    def _read_reply(self, seconds: float) -> Any:
        """One reply, or an ErrorKind: TIMEOUT, DIED or GARBLED."""
        assert self._reader is not None
        try:
            line = self._reader.line(seconds)
        except lines.TimedOut:
            return ErrorKind.TIMEOUT
        except lines.Closed:
            return ErrorKind.DIED
        except lines.TooLong:
            return ErrorKind.GARBLED
        try:
            return protocol.loads(line)
        except protocol.ProtocolError:
            return ErrorKind.GARBLED

    def _fatal_message(self, kind: ErrorKind) -> str:
        return {
            ErrorKind.TIMEOUT: f"took longer than {self.limits.call_seconds:g} s: is there an "
            "infinite loop?",
            ErrorKind.DIED: "your code ended the Python process (exit, os._exit, a crash) or "
            f"used more than {self.limits.memory_bytes / 2**30:g} GiB of memory, with the "
            "processes it started",
            ErrorKind.GARBLED: "the reply from your code was unreadable (did it write to the "
            "grader's pipe?)",
        }[kind]

    def _request(self, message: dict[str, Any]) -> Outcome | dict[str, Any]:
        if self._pipes is None and self._start_failure is None:
            self._start_worker()
        if self._start_failure is not None:  # once: the same files fail the same way
            return self._start_failure
        assert self._pipes is not None
        message = {**message, "id": secrets.token_hex(8)}
        started = time.monotonic()
        try:
            os.write(self._pipes[0], protocol.dumps(message))
        except BrokenPipeError:
            reply: Any = ErrorKind.DIED
        else:
            reply = self._read_reply(self.limits.call_seconds)
        self._spent += time.monotonic() - started
        if isinstance(reply, dict) and reply.get("id") == message["id"]:
            return reply
        self.close()  # hung, dead or lying: start afresh next time
        kind = reply if isinstance(reply, ErrorKind) else ErrorKind.GARBLED
        return Outcome.failure(kind, self._fatal_message(kind))

    def _ensure_imported(self, file: str) -> str | None:
        """None once ``file`` imports; otherwise why it cannot (remembered for later)."""
        if file in self._import_errors:
            return self._import_errors[file]
        if file in self._imported and self._pipes is not None:
            return None
        reply = self._request({"op": "import", "file": file})
        if isinstance(reply, dict) and reply["ok"]:
            self._imported.add(file)
            return None
        if isinstance(reply, Outcome):
            reason = f"importing {file}.py failed: {reply.error}"
        else:
            reason = str(reply.get("message", ""))
            if reply.get("kind") == ErrorKind.FORBIDDEN.value:
                self.close()  # the file may have changed the worker: the others get a fresh one
        self._import_errors[file] = f"{file}.py could not be imported: {reason}"[:500]
        return self._import_errors[file]

    def _file_failure(self, file: str) -> Outcome | None:
        """Why nothing of ``file`` can run (missing, refused, not importable), or None."""
        if file not in self.sources:
            return Outcome.failure(
                ErrorKind.IMPORT,
                f"{file}.py could not be imported: it is missing from the submission (or is "
                "not a plain file of at most 1 MiB)",
            )
        if file in self._refused:
            return Outcome.failure(ErrorKind.FORBIDDEN, self._refused[file])
        import_error = self._ensure_imported(file)
        return Outcome.failure(ErrorKind.IMPORT, import_error) if import_error else None

    def _outcome(self, file: str, message: dict[str, Any]) -> Outcome:
        if self._spent > self.limits.total_seconds:  # slow on purpose must not hold a grader
            return Outcome.failure(
                ErrorKind.SKIPPED,
                f"not run: your code has already taken {self._spent:.0f} s in all (its "
                f"imports included), more than the {self.limits.total_seconds:g} s a whole "
                "submission may take",
            )
        failure = self._file_failure(file)
        if failure is not None:
            return failure
        fatal = self._fatal.setdefault(message["function"], [])
        if len(fatal) >= FATAL_FAILURES_PER_FUNCTION:  # do not restart the worker forever
            return Outcome.failure(
                ErrorKind.SKIPPED, f"not run: earlier calls failed the same way ({fatal[-1]})"
            )
        reply = self._request({**message, "file": file})
        if isinstance(reply, Outcome):
            fatal.append(reply.error)
            return reply
        if reply["ok"]:
            result = reply.get("result")
            if isinstance(result, dict):
                return Outcome(ok=True, result=result)
            return Outcome.failure(ErrorKind.GARBLED, "the reply had no result")
        try:
            kind = ErrorKind(str(reply.get("kind")))
        except ValueError:
            kind = ErrorKind.GARBLED
        if kind in FATAL_KINDS:  # only the grader decides that a call was fatal
            kind = ErrorKind.GARBLED
        return Outcome.failure(kind, str(reply.get("message", "")))

    def call(self, request: CallRequest) -> Outcome:
        """Run ``request`` in the worker; see ``execution.call_function``."""
        return self._outcome(request.file, request.to_message())

    def scenario(self, file: str, function: str, spec: dict[str, Any]) -> Outcome:
        """Run a training function on the seeded scenario ``spec``."""
        return self._outcome(file, {"op": "scenario", "function": function, "spec": spec})


# What code reaching into the grader's own process names: frames, the heap, the module
# table, the worker's checks and torch's dispatch machinery. An exercise never needs them.
INTROSPECTION = frozenset(
    {
        "_getframe",
        "_current_frames",
        "f_back",
        "f_globals",
        "f_locals",
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "get_objects",
        "get_referrers",
        "get_referents",
        "__globals__",
        "FORBIDDEN_BUILTINS",
        "builtins_blocked",
        "_DispatchBlocker",
        "_pop_mode",
        "_pop_torch_dispatch_mode",
        "_DisableTorchDispatch",
        "_unset_dispatch_mode",
        "_jit_get_operation",
        "_python_dispatch",
        "_disable_current_modes",
        "_OpNamespace",
        "_kernels_blocked",
        "_destroy",
    }
)


def reaches_into_grader(source: str) -> str | None:
    """The first name in ``source`` that reaches into the grader's process, or None.

    Looked for as a name, an attribute and a string (``getattr(sys, "_getframe")``).
    Unparsable code is left to the import, which reports the syntax error.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found = node.id
        elif isinstance(node, ast.Attribute):
            is_module_table = node.attr == "modules" and getattr(node.value, "id", "") == "sys"
            found = "sys.modules" if is_module_table else node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found = next((name for name in INTROSPECTION if name in node.value), "")
        else:
            continue
        if found in INTROSPECTION or found == "sys.modules":
            return found
    return None


def read_sources(directory: os.PathLike[str] | str, files: list[str]) -> dict[str, str]:
    """The text of each of ``files`` (``ex01_losses``...) found in ``directory``.

    Only regular files are read, never through a symbolic link (a link to the hidden tests
    would otherwise hand them to the submission), never waiting (a FIFO). A missing,
    linked, special or oversized file is left out: grading then says it is missing.
    """
    sources = {}
    for file in files:
        try:
            path = os.path.join(directory, f"{file}.py")
            # O_NONBLOCK: a FIFO named like the file must not hang the grader
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(descriptor)
            if stat.S_ISREG(status.st_mode) and status.st_size <= MAX_SOURCE_BYTES:
                sources[file] = decoded(handle.read(MAX_SOURCE_BYTES))
    return sources


def decoded(source: bytes) -> str:
    """A Python file's text, read as Python reads it: in the encoding it declares (PEP 263).

    UTF-8 unless declared, a byte order mark dropped, Unix line ends. A file whose bytes
    are not in that encoding (or that declares an unknown one) is read as UTF-8, its bad
    bytes replaced.
    """
    try:
        return importlib.util.decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return source.decode("utf-8", errors="replace").removeprefix("\ufeff")
