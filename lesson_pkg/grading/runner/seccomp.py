"""Seccomp: the worker starts no new program.

The torch built-ins an exercise forbids are blocked inside the worker's process (see
:func:`lesson_pkg.grading.runner.execution.builtins_blocked`), and a process it forks
inherits that block. A fresh program does not: ``subprocess.run([sys.executable, ...])``
would compute the forbidden built-in in an interpreter of its own. So, before the
submission is imported, the worker gives up ``execve`` and ``execveat`` for itself, every
thread it has and everything it starts: both fail with ``EPERM`` (``fork`` and threads,
torch's own included, still work).

A seccomp filter is a small classic-BPF program the kernel runs on each system call
(``man 2 seccomp``). It needs no privilege once ``no_new_privs`` is set, and Docker's
default profile (Gradescope's) allows it. The filter also refuses every system call
made through another architecture's interface (32-bit ``int 0x80`` on x86-64, or x32),
where the numbers differ. Linux on x86-64 and AArch64 only; elsewhere
:func:`forbid_new_programs` does nothing and says so.

A second filter, :func:`forbid_new_code`, goes on before the submission's first file is
imported: from then on no memory becomes executable (``mmap``, ``mprotect`` or
``pkey_mprotect`` asking for ``PROT_EXEC``, and ``memfd_create``, fail with ``EPERM``). A
shared library written and loaded later (a C extension of the submission's own) cannot
be mapped, and no machine code can be made runnable.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

# (audit architecture, execve, execveat, seccomp) per machine, from the kernel's headers
MACHINES = {
    "x86_64": (0xC000003E, 59, 322, 317),
    "aarch64": (0xC00000B7, 221, 281, 277),
}
# (mmap, mprotect, pkey_mprotect, memfd_create) per machine
MEMORY_CALLS = {
    "x86_64": (9, 10, 329, 319),
    "aarch64": (222, 226, 288, 279),
}
PROT_EXEC = 4
X32_SYSCALL_BIT = 0x40000000
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1  # every thread of the process, not the caller's alone
PR_SET_NO_NEW_PRIVS = 38
# classic BPF: load a 32-bit word of seccomp_data, compare and jump, return
LOAD_WORD, JUMP_EQUAL, JUMP_AT_LEAST, JUMP_SET, RETURN = 0x20, 0x15, 0x35, 0x45, 0x06
OFFSET_NR, OFFSET_ARCH = 0, 4
OFFSET_ARG2 = 16 + 2 * 8  # the third argument's low 32 bits (both machines are little-endian)
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | errno.EPERM

_libc = ctypes.CDLL(None, use_errno=True)


def filter_program(machine: str) -> bytes:
    """The filter for ``machine`` (``platform.machine()``), as the kernel reads it.

    Each instruction is ``struct sock_filter``: code (u16), jump if true, jump if false
    (u8 each, counted from the next instruction) and an operand (u32).
    """
    arch, execve, execveat, _ = MACHINES[machine]
    instructions = (
        (LOAD_WORD, 0, 0, OFFSET_ARCH),
        (JUMP_EQUAL, 0, 5, arch),  # another architecture's call: refused
        (LOAD_WORD, 0, 0, OFFSET_NR),
        (JUMP_AT_LEAST, 3, 0, X32_SYSCALL_BIT),  # x32's numbering: refused
        (JUMP_EQUAL, 2, 0, execve),
        (JUMP_EQUAL, 1, 0, execveat),
        (RETURN, 0, 0, RET_ALLOW),
        (RETURN, 0, 0, RET_EPERM),
    )
    return _assemble(instructions)


def code_filter_program(machine: str) -> bytes:
    """The filter refusing new executable memory on ``machine``, as the kernel reads it."""
    arch = MACHINES[machine][0]
    mmap, mprotect, pkey_mprotect, memfd_create = MEMORY_CALLS[machine]
    instructions = (
        (LOAD_WORD, 0, 0, OFFSET_ARCH),
        (JUMP_EQUAL, 0, 9, arch),  # another architecture's call: refused
        (LOAD_WORD, 0, 0, OFFSET_NR),
        (JUMP_AT_LEAST, 7, 0, X32_SYSCALL_BIT),  # x32's numbering: refused
        (JUMP_EQUAL, 6, 0, memfd_create),
        (JUMP_EQUAL, 2, 0, mmap),
        (JUMP_EQUAL, 1, 0, mprotect),
        (JUMP_EQUAL, 0, 2, pkey_mprotect),
        (LOAD_WORD, 0, 0, OFFSET_ARG2),  # prot
        (JUMP_SET, 1, 0, PROT_EXEC),
        (RETURN, 0, 0, RET_ALLOW),
        (RETURN, 0, 0, RET_EPERM),
    )
    return _assemble(instructions)


def _assemble(instructions: tuple[tuple[int, int, int, int], ...]) -> bytes:
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in instructions)


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_char_p))


def forbid_new_programs() -> bool:
    """From now on, this process and its children can run no other program.

    True when the filter is in place; False where the machine has no filter here (not
    Linux on x86-64 or AArch64). An OSError when the kernel refuses it.
    """
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in MACHINES:
        return False
    _install(filter_program(machine))
    return True


def forbid_new_code() -> bool:
    """From now on, no memory of this process (or its children) becomes executable.

    Torch's kernels, already loaded, keep running; a library loaded from now on cannot be
    mapped. True when the filter is in place, False where there is no filter here.
    """
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in MACHINES:
        return False
    _install(code_filter_program(machine))
    return True


def _install(code: bytes) -> None:
    """Put the filter ``code`` on every thread of this process, for good."""
    machine = platform.machine()
    program = _Program(len(code) // 8, code)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    number = MACHINES[machine][3]
    flags = SECCOMP_FILTER_FLAG_TSYNC
    if _libc.syscall(number, SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(program)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"seccomp filter refused: {os.strerror(error)}")
