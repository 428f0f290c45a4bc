"""Landlock: the worker's view of the file system when no namespace can be made.

In a container whose seccomp profile forbids new namespaces (Docker's default, so
Gradescope's), bubblewrap cannot start and the worker runs as an unprivileged user
alone. File modes then decide what it may read, and a course checkout is readable by
everyone. Landlock (Linux 5.13 and newer, no privilege needed) lets a process give up,
for itself and everything it starts, every file access outside a list of folders:

- read: the system (``/usr``, ``/etc``, ...), Python and its installed packages, less
  ``lesson_pkg`` (the reference and the grader: the worker imported its own code before);
- read and write: the worker's own folder (its ``TMPDIR``) and a few devices;
- nothing else: not the course, the solutions, the hidden tests, the submissions, the
  report, nor ``/tmp``, ``/dev/shm`` and ``/var/tmp`` (nothing to leave for the next
  student, nothing of the last one to read);
- and, where the kernel knows how (Landlock ABI 4 and 6), no TCP connection and no
  signal to a process outside the worker's own.

The kernel's interface is three system calls (``man 7 landlock``); :func:`restrict`
makes them through ``ctypes``. ``LESSON_PKG_LANDLOCK=""`` turns Landlock off, to test
what a kernel without it gets.
"""

from __future__ import annotations

import ctypes
import os
import platform
from collections.abc import Iterable
from pathlib import Path

SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
# access rights to files (ABI 1), then REFER (2), TRUNCATE (3), IOCTL_DEV (5)
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
ABI_1_RIGHTS = (1 << 13) - 1
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # all a file rule may hold
CONNECT_AND_BIND_TCP = (1 << 0) | (1 << 1)  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL = (1 << 0) | (1 << 1)  # ABI 6
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys")


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


_libc = ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock cannot be used (or is turned off)."""
    if os.environ.get("LESSON_PKG_LANDLOCK") == "":
        return 0
    calls = SYSCALLS.get(platform.machine())
    if calls is None:
        return 0
    version = _libc.syscall(calls[0], None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


def _handled_rights(abi: int) -> int:
    rights = ABI_1_RIGHTS
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def readable_roots(python_paths: Iterable[str], hidden: Iterable[Path]) -> list[str]:
    """The folders to open for reading: the system's and Python's, less ``hidden``.

    A folder that holds a hidden path is opened entry by entry instead (the hidden one
    left out), since a Landlock rule grants a whole tree.
    """
    hidden_paths = [Path(path).resolve() for path in hidden]
    roots: list[str] = []
    for root in sorted({*SYSTEM, *python_paths}):
        if os.path.exists(root):
            roots += _without_hidden(Path(root).resolve(), hidden_paths)
    return sorted(set(roots))


def _without_hidden(folder: Path, hidden: list[Path]) -> list[str]:
    if folder in hidden:
        return []
    if not any(folder in path.parents for path in hidden):
        return [str(folder)]
    if not folder.is_dir() or folder.is_symlink():
        return [str(folder)]
    opened: list[str] = []
    for entry in sorted(folder.iterdir()):
        opened += _without_hidden(entry, hidden)
    return opened


def restrict(readable: Iterable[str], writable: Iterable[str]) -> int:
    """Give up every file access but reading ``readable`` and writing ``writable``.

    For this process and all it starts, for good. Returns the ABI version applied, or 0
    when the kernel has no Landlock (nothing is restricted then: the caller decides).
    ``no_new_privs`` must already be set.
    """
    abi = abi_version()
    if abi == 0:
        return 0
    create, add_rule, restrict_self = SYSCALLS[platform.machine()]
    handled = _handled_rights(abi)
    attr = _RulesetAttr(handled, CONNECT_AND_BIND_TCP if abi >= 4 else 0, 0)
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _checked(_libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), 0))
    try:
        read = EXECUTE | READ_FILE | READ_DIR
        for path in readable:
            _allow(add_rule, ruleset, path, read & handled)
        for path in [*writable, *DEVICES]:
            _allow(add_rule, ruleset, path, handled & ~(REFER | IOCTL_DEV))
        _checked(_libc.syscall(restrict_self, ruleset, 0))
    finally:
        os.close(ruleset)
    return abi


def _allow(add_rule: int, ruleset: int, path: str, rights: int) -> None:
    try:
        descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, descriptor)
        _checked(_libc.syscall(add_rule, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0))
    finally:
        os.close(descriptor)


def _checked(result: int) -> int:
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"landlock: {os.strerror(error)}")
    return result
