"""The worker's end of its pipes: imports one submission's files, runs its functions on request.

The other end is the grader's session (:mod:`worker_client`).

Forked by the host (:mod:`lesson_pkg.grading.runner.host_server`) once it has dropped every
privilege it will not need. It reads one JSON request per line and writes one JSON reply
per line through two pipes of its own; the submission's prints go nowhere. The
submission's files arrive as text in the first message, with the torch built-ins blocked
while they are imported (the grader's list), and are written to a private
temporary folder: the worker never sees the folder they came from. Nothing this process
says is trusted: the grader compares and scores in its own process.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import resource
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from lesson_pkg.grading.runner import confine, execution, protocol, seccomp
from lesson_pkg.grading.runner.limits import Limits
from lesson_pkg.grading.runner.outcome import CallRequest, ErrorKind

# The course's own code (its reference, checks and grader) and the libraries that hold
# the answers: no module of these, nor any below them, may be imported while grading.
# The worker's own code, lesson_pkg.grading.runner, is imported before it is forked.
BLOCKED_MODULES = ("lesson_pkg", "solutions", "exercises", "sklearn", "torchmetrics")
ALLOWED_MODULES = ("lesson_pkg.grading.runner",)


def is_blocked(name: str) -> bool:
    """Whether importing module ``name`` is refused while grading."""
    return _within(name, BLOCKED_MODULES) and not _within(name, ALLOWED_MODULES)


def _within(name: str, packages: tuple[str, ...]) -> bool:
    """Whether module ``name`` is one of ``packages`` or inside one of them."""
    return any(name == package or name.startswith(f"{package}.") for package in packages)


class _BlockedImports(importlib.abc.MetaPathFinder):
    """Refuses every blocked module not imported yet, before any file is looked for."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if is_blocked(fullname):
            raise ImportError(f"import of {fullname} is blocked while grading", name=fullname)
        return None


def block_references() -> None:
    """Make the reference implementations unimportable in this process.

    Modules already imported are taken out of ``sys.modules`` too (all but the parents of
    the worker's own), so that neither an import nor ``sys.modules`` hands them over.
    """
    for name in [name for name in sys.modules if is_blocked(name)]:
        if not any(allowed.startswith(f"{name}.") for allowed in ALLOWED_MODULES):
            del sys.modules[name]  # the parents of the worker's own modules stay
    for name in BLOCKED_MODULES:
        if name not in sys.modules:  # unimportable, and not found by importlib.util.find_spec
            sys.modules[name] = None  # type: ignore[assignment]
    sys.meta_path.insert(0, _BlockedImports())


def forget_own_modules() -> None:
    """Take the worker's own modules out of ``sys.modules`` before any submission runs.

    This process keeps using them; a submission cannot look them up by name to switch
    off their checks (the grader also refuses code that walks frames or the heap:
    :func:`lesson_pkg.grading.runner.worker_client.reaches_into_grader`).
    """
    for name in [name for name in sys.modules if _within(name, ("lesson_pkg",))]:
        del sys.modules[name]


def limit_resources(limits: Limits) -> None:
    """Cap the address space at what is used now plus ``limits.memory_bytes``.

    No core files either, no file larger than ``limits.file_bytes``, and at most
    ``limits.open_files`` open at once.
    """
    with open("/proc/self/status") as status:
        used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    allowed = used + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (allowed, allowed))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))


@dataclass(frozen=True)
class Files:
    """The submission's files: their text as the grader sent it, and a folder of copies."""

    sources: dict[str, str]
    directory: Path


def write_sources(sources: dict[str, str]) -> Path:
    """The submission's files, in a new folder only this worker's user may read."""
    folder = Path(tempfile.mkdtemp(prefix="submission-"))
    for name, text in sources.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


def _import(files: Files, file: str, forbidden: tuple[str, ...]) -> ModuleType:
    """Import ``file`` from the text the grader sent (and scanned), as module ``submission_*``.

    The copy in ``files.directory`` gives the module its ``__file__`` (for tracebacks and
    ``inspect``); what runs is the text held here, which no earlier file can rewrite.
    """
    if file not in files.sources:
        raise FileNotFoundError(f"{file}.py is missing from the submission")
    path = files.directory / f"{file}.py"
    spec = importlib.util.spec_from_file_location(f"submission_{file}", path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    # decoded by the grader (a declared encoding applied there); none of this file's flags
    code = compile(files.sources[file], str(path), "exec", dont_inherit=True)
    sys.modules[spec.name] = module  # as an import does: dataclasses and pickle look it up
    try:
        with execution.builtins_blocked(forbidden):  # no reference saved now
            exec(code, module.__dict__)
    except BaseException:
        del sys.modules[spec.name]
        raise
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


def _failure(kind: ErrorKind, message: str) -> dict[str, Any]:
    return {"ok": False, "kind": kind.value, "message": message[:500]}


def _run(request: dict[str, Any], module: ModuleType) -> dict[str, Any]:
    function = getattr(module, request["function"], None)
    if not callable(function):
        return _failure(
            ErrorKind.MISSING, f"{request['file']}.py defines no function {request['function']}"
        )
    if request["op"] == "scenario":
        return {"ok": True, "result": execution.run_scenario(function, request["spec"])}
    result = execution.call_function(function, CallRequest.from_message(request))
    return {"ok": True, "result": result}


def _import_checked(files: Files, file: str, forbidden: tuple[str, ...]) -> ModuleType:
    """Import ``file``, then refuse it if it loaded native code or changed torch's kernels."""
    table = confine.dispatch_table(forbidden)
    try:
        return _import(files, file, forbidden)
    finally:
        confine.check_import(file, table)


def _handle(
    request: dict[str, Any],
    modules: dict[str, ModuleType],
    files: Files,
    forbidden: tuple[str, ...],
) -> dict:
    file = request["file"]
    importing = file not in modules
    try:
        if importing:
            modules[file] = _import_checked(files, file, forbidden)
        if request["op"] == "import":
            return {"ok": True}
        return _run(request, modules[file])
    except ImportError as error:
        if is_blocked(error.name or ""):
            return _failure(
                ErrorKind.FORBIDDEN,
                f"importing {error.name} is not allowed while grading: "
                "implement the function yourself",
            )
        if importing:
            return _failure(ErrorKind.IMPORT, _import_error(error, file))
        return _failure(*execution.describe_error(error))
    except confine.NativeCode as error:
        return _failure(ErrorKind.FORBIDDEN, str(error))
    except SystemExit as error:
        kind = ErrorKind.IMPORT if importing else ErrorKind.EXIT
        return _failure(kind, f"your code called exit({error.code})")
    except BaseException as error:  # the submission may raise anything
        if importing:
            return _failure(ErrorKind.IMPORT, _import_error(error, file))
        return _failure(*execution.describe_error(error))


def _cut_off_children(request_fd: int, reply_fd: int) -> None:
    """In every process the submission forks, the grader's pipes lead nowhere.

    A forked copy of this worker (a daemon started at import, say) would otherwise read
    the grader's next request or answer one twice. In the child, ``request_fd`` reads as
    end-of-file and writing to ``reply_fd`` raises ``BrokenPipeError``: a copy that comes
    back to :func:`serve` ends there.
    """

    def cut_off() -> None:
        drained, nobody_writes = os.pipe()
        nobody_reads, broken = os.pipe()
        os.dup2(drained, request_fd)
        os.dup2(broken, reply_fd)
        for descriptor in (drained, nobody_writes, nobody_reads, broken):
            os.close(descriptor)

    os.register_at_fork(after_in_child=cut_off)


def serve(limits: Limits, request_fd: int, reply_fd: int) -> None:
    """Read the submission's files, then answer requests until the grader closes the pipe."""
    _cut_off_children(request_fd, reply_fd)
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")
    first = protocol.loads(requests.readline(), limit=None)  # the grader's own message
    replies.write(protocol.dumps({"id": "loading"}))  # from here on, the submission's time
    replies.flush()
    files = Files(first["sources"], write_sources(first["sources"]))
    forbidden = tuple(str(name) for name in first.get("forbidden", ()))
    confine.preload(first["sources"], is_blocked)  # C modules load before the filter
    limit_resources(limits)
    execution.block_for_good(forbidden)  # every exercise's, in every thread, for good
    forget_own_modules()
    torch.backends.mkldnn.set_flags(False)  # oneDNN writes its kernels into new code
    seccomp.forbid_new_code()  # no native code of the submission's own
    confine.refuse_native_calls()  # nor ctypes calls into torch's kernels
    modules: dict[str, ModuleType] = {}
    replies.write(protocol.dumps({"id": "ready"}))
    replies.flush()
    for line in requests:
        request = protocol.loads(line)
        reply = _handle(request, modules, files, forbidden)
        try:
            data = protocol.dumps({"id": request["id"], **reply})
        except protocol.ProtocolError as error:
            data = protocol.dumps(
                {
                    "id": request["id"],
                    **_failure(
                        ErrorKind.NOT_PLAIN,
                        f"your function "
                        f"returned something that is not a tensor, number or list: {error}",
                    ),
                }
            )
        replies.write(data)
        replies.flush()
