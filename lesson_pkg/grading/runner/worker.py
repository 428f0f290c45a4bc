"""The sandboxed worker: imports a submission and runs its functions on request.

Started by :class:`lesson_pkg.grading.sandbox.Sandbox` as
``python -I -m lesson_pkg.grading.worker SUBMISSION_DIR MEMORY_BYTES REQUEST_FD REPLY_FD``,
or forked by a fork server (``... worker --fork-server CONTROL_FD``) when a class is graded.
It reads one JSON request per line and writes one JSON reply per line, through pipes of
its own; the submission's prints go nowhere. The reference implementations cannot be
imported here, and the built-ins an exercise asks for are blocked while it runs. Nothing
this process says is trusted: the grader compares and scores in its own process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import socket
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from lesson_pkg.grading import execution, protocol

BLOCKED_MODULES = (
    "lesson_pkg.losses",
    "lesson_pkg.metrics",
    "lesson_pkg.training",
    "lesson_pkg.data",
    "lesson_pkg.checks",
    "lesson_pkg.grading.cases",
    "lesson_pkg.grading.engine",
    "lesson_pkg.grading.mistakes",
    "solutions",
    "sklearn",
    "torchmetrics",
)


def _block_references() -> None:
    """Make the reference implementations unimportable in this process."""
    for name in BLOCKED_MODULES:
        sys.modules[name] = None  # import raises ImportError


def _limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what is used now plus ``extra_bytes``."""
    with open("/proc/self/status") as status:
        used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = used + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _import(directory: Path, file: str) -> ModuleType:
    path = directory / f"{file}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{file}.py is missing from the submission")
    spec = importlib.util.spec_from_file_location(f"submission_{file}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_error(error: BaseException, file: str) -> str:
    """The last frame in the submission file and the exception, in two lines."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError in {file}.py line {error.lineno}: {error.msg}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.endswith(f"{file}.py")
    ]
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}{where}: {error}"[:500]


def _handle(request: dict[str, Any], modules: dict[str, ModuleType], directory: Path) -> dict:
    file = request["file"]
    try:
        if file not in modules:
            modules[file] = _import(directory, file)
        if request["op"] == "import":
            return {"ok": True}
        function = getattr(modules[file], request["function"], None)
        if not callable(function):
            return {
                "ok": False,
                "kind": "missing",
                "message": f"{file}.py defines no function {request['function']}",
            }
        if request["op"] == "scenario":
            return {"ok": True, "result": execution.run_scenario(function, request["spec"])}
        return {
            "ok": True,
            "result": execution.call_function(
                function,
                request["function"],
                request["args"],
                request["kwargs"],
                request["grad_args"],
                request["cotangent"],
            ),
        }
    except ImportError as error:
        if error.name in BLOCKED_MODULES or (error.name or "").split(".")[0] in BLOCKED_MODULES:
            return {
                "ok": False,
                "kind": "forbidden",
                "message": f"importing {error.name} is not allowed while grading: "
                f"implement the function yourself",
            }
        if file not in modules:
            return {"ok": False, "kind": "import", "message": _import_error(error, file)}
        return {"ok": False, **execution.describe_error(error)}
    except SystemExit as error:
        return {"ok": False, "kind": "exit", "message": f"your code called exit({error.code})"}
    except BaseException as error:  # the submission may raise anything
        if file not in modules:
            return {"ok": False, "kind": "import", "message": _import_error(error, file)}
        return {"ok": False, **execution.describe_error(error)}


def _prepare() -> None:
    """What every worker needs before it meets a submission."""
    _block_references()
    import torch._dynamo  # noqa: F401  (the first optimizer imports it: 1-2 s, paid up front)


def _serve(directory: Path, memory: int, request_fd: int, reply_fd: int) -> None:
    """Answer requests about the submission in ``directory`` until the grader closes the pipe."""
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")
    _limit_memory(memory)
    modules: dict[str, ModuleType] = {}
    replies.write(protocol.dumps({"id": "ready"}))
    replies.flush()
    for line in requests:
        request = protocol.loads(line)
        reply = _handle(request, modules, directory)
        try:
            data = protocol.dumps({"id": request["id"], **reply})
        except protocol.ProtocolError as error:
            data = protocol.dumps(
                {
                    "id": request["id"],
                    "ok": False,
                    "kind": "not_plain",
                    "message": f"your function returned something that is not "
                    f"a tensor, number or list: {error}",
                }
            )
        replies.write(data)
        replies.flush()


def serve_forks(control_fd: int) -> None:
    """A fork server: prepared once, it forks one fresh worker per submission.

    Each request on the control socket carries a submission folder, a memory allowance and
    the worker's two pipe ends; the reply is the new worker's pid. Forking a prepared
    process saves every worker the seconds of importing torch.
    """
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # exited workers are reaped by the kernel
    _prepare()
    while True:
        message, descriptors, _, _ = socket.recv_fds(control, 4096, 2)
        if not message:
            return  # the grader has gone
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            control.close()
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _serve(Path(request["directory"]), request["memory"], *descriptors)
            os._exit(0)
        for descriptor in descriptors:
            os.close(descriptor)
        control.sendall(json.dumps({"pid": pid}).encode())


def main() -> None:
    if sys.argv[1] == "--fork-server":
        serve_forks(int(sys.argv[2]))
        return
    directory, memory, request_fd, reply_fd = sys.argv[1:5]
    _prepare()
    _serve(Path(directory), int(memory), int(request_fd), int(reply_fd))


if __name__ == "__main__":
    main()
