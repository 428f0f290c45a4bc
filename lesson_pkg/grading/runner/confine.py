"""The worker runs Python only: no foreign function calls, no native code of a submission's.

torch's library exports its kernels by their C++ names (``at::cpu::mse_loss_out``): code
that calls them directly never meets the dispatcher, where the forbidden built-ins are
blocked. Two ways lead there, and both are closed in the worker:

- ``ctypes``: an audit hook (``sys.addaudithook``, which cannot be removed) refuses
  loading a library, looking a symbol up, calling a foreign function, reading memory at
  an address, opening ``/proc/*/mem`` for writing, and the walks of the heap and the
  code swaps that would lead to the worker's own checks. It is added before the
  submission's first file is imported.
- native code of the submission's own (a C extension written to a file and imported):
  before the first file is imported, no memory may become executable any more
  (:func:`lesson_pkg.grading.runner.seccomp.forbid_new_code`); and after each import
  :func:`check_import` refuses the file when an executable file from outside the Python
  installation is mapped (:func:`foreign_code`) or a forbidden operator's entry in the
  dispatcher changed.

So that the modules a submission imports still load under that filter, the standard
library's C modules, numpy and every module its files name in an ``import`` statement
are imported first (:func:`preload`); a C module imported any other way
(``importlib.import_module`` of a computed name) fails to load.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import os
import site
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from lesson_pkg.grading.runner import execution

REFUSED_EVENTS = frozenset(
    {
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.dlsym/handle",
        "ctypes.call_function",
        "ctypes.cdata",
        "ctypes.cdata/buffer",
        "ctypes.addressof",
        "ctypes.string_at",
        "ctypes.wstring_at",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)
# Modules a package imports at first use, not at import: matplotlib's drawing backend.
LOADED_AT_USE = {"matplotlib": ("matplotlib.pyplot", "matplotlib.backends.backend_agg")}
IMPORTERS = ("import_module", "__import__")  # a module named by a string, preloaded too
# standard C modules that change the process when imported (a terminal, a GUI), or fail
SKIPPED_PRELOADS = ("readline", "_tkinter", "_curses", "_curses_panel")
SYSTEM_LIBRARIES = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")
WRITING = os.O_WRONLY | os.O_RDWR


class NativeCode(RuntimeError):
    """A submission loaded native code or changed torch's kernels while it was imported."""


def _refuse(event: str) -> None:
    raise NativeCode(f"{event} is not allowed while grading: write your functions in Python")


def _writes_memory(args: tuple[Any, ...]) -> bool:
    path, mode, flags = args
    if not isinstance(path, (str, bytes)):
        return False
    name = os.fsdecode(path)
    if not (name.startswith("/proc/") and name.endswith("/mem")):
        return False
    return bool(isinstance(flags, int) and flags & WRITING) or any(c in str(mode) for c in "wa+")


def refuse_native_calls() -> None:
    """From now on, refused events raise :class:`NativeCode` in this process, for good.

    Those of ``ctypes`` and ``gc``'s walks of the heap, replacing a function's code, and
    writing ``/proc/*/mem``.
    """
    refused = REFUSED_EVENTS

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in refused:
            _refuse(event)
        elif event == "object.__setattr__" and args[1] == "__code__":
            _refuse("replacing a function's __code__")
        elif event == "open" and _writes_memory(args):
            _refuse("writing this process's memory")

    sys.addaudithook(hook)


def preload(sources: dict[str, str], blocked: Callable[[str], bool]) -> None:
    """Import the C modules a submission may need before the filter forbids loading them.

    The standard library's, numpy, torch's lazily imported compiler and every module the
    files name (:func:`_imports`), at their top or inside a function.

    Modules ``blocked`` refuses, scripts (``__main__``) and the submission's own files are
    left alone; each import that fails, or exits, is skipped (the submission's own import
    will say why).
    """
    names = [*_standard_c_modules(), "numpy", "torch._dynamo", *sorted(_imports(sources))]
    for name in names:
        if name in sys.modules or blocked(name) or name.split(".")[0] in sources:
            continue
        if name.rsplit(".", 1)[-1] == "__main__" or _a_member(name):
            continue
        with contextlib.suppress(BaseException):  # SystemExit too
            importlib.import_module(name)


def _a_member(name: str) -> bool:
    """Whether ``name`` is a loaded module's function or class (``torch.clamp``), no module."""
    parent, _, last = name.rpartition(".")
    try:  # a package's __getattr__ may import, or raise anything
        member = getattr(sys.modules.get(parent), last, None)
    except BaseException:
        return False
    return member is not None and not isinstance(member, ModuleType)


def _standard_c_modules() -> list[str]:
    folder = sysconfig.get_config_var("DESTSHARED") or ""
    names = [entry.split(".")[0] for entry in sorted(os.listdir(folder))] if folder else []
    return [name for name in names if name not in SKIPPED_PRELOADS and not _testing(name)]


def _testing(name: str) -> bool:
    """CPython's own test modules (``_testcapi``...): never imported for a submission."""
    return name.startswith(("_test", "_xxtest", "xx")) or name == "_ctypes_test"


def _imports(sources: dict[str, str]) -> set[str]:
    """The modules the files name anywhere, and those they reach through a package.

    ``import scipy.special``, ``from scipy import special`` (scipy and scipy.special),
    ``importlib.import_module("scipy.special")``, and ``scipy.special.expit`` after
    ``import scipy`` (each dotted prefix: the ones that are not modules fail to import).
    Some packages load a module at first use: it is named too (:data:`LOADED_AT_USE`).
    """
    names: set[str] = set()
    for text in sources.values():
        with contextlib.suppress(SyntaxError, ValueError, RecursionError):
            names.update(_named_in(ast.parse(text)))
    for package, modules in LOADED_AT_USE.items():
        if any(name.split(".")[0] == package for name in names):
            names.update(modules)
    return names


def _named_in(tree: ast.Module) -> set[str]:
    """The modules one file names: see :func:`_imports`."""
    names: set[str] = set()
    bound: dict[str, str] = {}  # a name the file binds -> the module (or member) it is
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.add(alias.name)
                local = alias.asname or alias.name.split(".")[0]
                bound[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}")
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and (named := _named_module(node)):
            names.add(named)
    for node in ast.walk(tree):
        chain = _dotted(node) if isinstance(node, ast.Attribute) else None
        if chain and chain[0] in bound:
            parts = [bound[chain[0]], *chain[1:]]
            names.update(".".join(parts[:end]) for end in range(2, len(parts) + 1))
    return names


def _dotted(node: ast.Attribute) -> list[str] | None:
    """``["scipy", "special", "expit"]`` for ``scipy.special.expit``; None if not a chain."""
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.insert(0, current.attr)
        current = current.value
    return [current.id, *parts] if isinstance(current, ast.Name) else None


def _named_module(call: ast.Call) -> str | None:
    """``"name"`` in ``import_module("name")`` or ``__import__("name")`` (any prefix)."""
    function = call.func
    called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    first = call.args[0] if call.args else None
    if called in IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _trusted_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(site.getsitepackages())
    roots.update(SYSTEM_LIBRARIES)
    roots.add(os.path.dirname(os.path.dirname(torch.__file__)))
    return tuple(os.path.join(os.path.realpath(root), "") for root in roots)


def foreign_code() -> list[str]:
    """Executable files mapped in this process from outside the Python installation.

    A deleted file, a ``memfd`` and anything under the temporary folder count as foreign.
    """
    trusted = _trusted_roots()
    scratch = os.path.join(os.path.realpath(tempfile.gettempdir()), "")
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or "x" not in fields[1] or fields[5].startswith("["):
                continue
            path = fields[5].rstrip("\n")
            if (
                path.endswith(" (deleted)")
                or path.startswith(("/memfd:", scratch))
                or not path.startswith(trusted)
            ):
                found.append(path)
    return sorted(set(found))


def dispatch_table(names: tuple[str, ...]) -> dict[str, str]:
    """The dispatcher's entries of the forbidden operators ``names``, to compare later."""
    return {
        overload: torch._C._dispatch_dump(f"aten::{overload}")
        for name in names
        for overload in sorted({overload for overload, _ in execution.kernels(name)})
    }


def check_import(file: str, table: dict[str, str]) -> None:
    """Raise :class:`NativeCode` when importing ``file`` loaded native code or changed kernels."""
    foreign = foreign_code()
    if foreign:
        raise NativeCode(
            f"{file}.py loaded native code of its own ({', '.join(foreign)[:200]}): "
            "the grader runs Python only; write your functions with torch"
        )
    changed = [
        name for name, entry in table.items() if torch._C._dispatch_dump(f"aten::{name}") != entry
    ]
    if changed:
        raise NativeCode(f"{file}.py changed torch's kernels of {', '.join(changed)[:200]}")
