"""The sandboxed worker: imports a submission and runs its functions on request.

Started by :class:`lesson_pkg.grading.sandbox.Sandbox` as
``python -I -m lesson_pkg.grading.worker SUBMISSION_DIR MEMORY_BYTES REQUEST_FD REPLY_FD``.
It reads one JSON request per line and writes one JSON reply per line, through pipes of
its own; the submission's prints go nowhere. The reference implementations cannot be
imported here, and the built-ins an exercise asks for are blocked while it runs. Nothing
this process says is trusted: the grader compares and scores in its own process.
"""

from __future__ import annotations

import importlib.util
import os
import resource
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


def main() -> None:
    directory, memory, request_fd, reply_fd = (
        Path(sys.argv[1]),
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")
    _block_references()
    import torch._dynamo  # noqa: F401  (the first optimizer imports it: 1-2 s, paid before "ready")

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


if __name__ == "__main__":
    main()
