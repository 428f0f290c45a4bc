"""Which isolation the operating system offers the worker, and how to start the host in it.

Three levels, best first:

- ``namespaces``: bubblewrap (``bwrap``, Debian's and Ubuntu's ``bubblewrap`` package)
  starts the host in new PID, mount, network, IPC and UTS namespaces (and a user
  namespace when the grader is not root). Its file system holds only Python, its
  packages and the worker's own code: not the course, the solutions, the hidden tests,
  the other submissions or the report. Each worker then gets a PID namespace of its own,
  and, when the grader is root, an unprivileged user too.
- ``user``: the grader is root but namespaces cannot be made (a container without the
  capability): each worker runs as an unprivileged user id of its own, in its own
  session, and cannot signal, trace or write to anything of the grader's.
- ``none``: neither (macOS, Windows, a locked-down laptop): the worker is a separate
  process of the grader's own user. Grading works; the report says it was unprotected.

``choose("auto")`` takes the best available; ``choose("strict")`` refuses ``none``,
saying what is missing; ``choose("none")`` asks for no isolation.

Environment: ``LESSON_PKG_BWRAP`` names the bwrap binary ("" disables it);
``LESSON_PKG_WORKER_UID`` is the first of the unprivileged user ids (default 61000; each
grading process claims one no other grader uses: :func:`claim_worker_ids`).
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from enum import Enum
from pathlib import Path
from typing import BinaryIO

POLICIES = ("auto", "strict", "none")
DEFAULT_WORKER_UID = 61000
UID_RANGE = 64  # worker user ids, from DEFAULT_WORKER_UID on: graders running at once
WORKER_ACCOUNT = "lesson-grader"
# Under bubblewrap /tmp is a tmpfs, so a worker's files are memory: at most this much,
# room for four of the largest files a worker may write (Limits.file_bytes).
TMP_BYTES = 256 * 1024**2
# What the host keeps, as root inside bubblewrap: enough to make each worker's PID
# namespace, hand it a folder, drop it to its user and stop it. Everything else goes.
ROOT_CAPABILITIES = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SYS_ADMIN",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_KILL",
)
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
HOST_MODULE = "lesson_pkg.grading.runner.host_server"
# The only parts of lesson_pkg a worker may read: its own code. The sandbox shows only
# these, and Gradescope's setup.sh takes every other file of the package from the
# workers' user (lesson_pkg/maintenance/templates/gradescope/setup.sh).
WORKER_CODE = ("__init__.py", "grading/__init__.py", "grading/runner")


class Isolation(str, Enum):
    """How the worker is kept from the grader, the course and other submissions."""

    __str__ = str.__str__  # the value, as enum.StrEnum (Python 3.11) gives

    NAMESPACES = "namespaces"
    USER = "user"
    NONE = "none"

    def describe(self, uid: int, file_rules: int = 0) -> str:
        """One line for the report: what protected this grading run.

        ``file_rules`` is the Landlock ABI version the workers are restricted with (0: none).
        """
        rules = f"; Landlock file rules (ABI {file_rules})" if file_rules else ""
        if self is Isolation.NAMESPACES:
            who = f", as unprivileged uid {uid}" if os.geteuid() == 0 else ""
            return f"bubblewrap: own user, PID, mount and network namespaces{who}{rules}"
        if self is Isolation.USER:
            modes = rules or "; file modes only (no Landlock)"
            return f"unprivileged user: uid {uid}, own session (no namespaces available){modes}"
        return "none: the submission ran as your own user (install bubblewrap to isolate it)"


class IsolationUnavailable(RuntimeError):
    """Strict isolation was asked for and the operating system cannot provide it."""


def bwrap_path() -> str | None:
    """The bubblewrap binary to use, or None."""
    configured = os.environ.get("LESSON_PKG_BWRAP")
    if configured is not None:
        return configured or None
    return shutil.which("bwrap")


def choose(policy: str) -> Isolation:
    """The isolation to grade with under ``policy`` ("auto", "strict" or "none")."""
    if policy not in POLICIES:
        raise ValueError(f"isolation must be one of {POLICIES}, got {policy!r}")
    if policy == "none":
        return Isolation.NONE
    if bubblewrap_works():
        return Isolation.NAMESPACES
    if os.geteuid() == 0:
        return Isolation.USER
    if policy == "strict":
        raise IsolationUnavailable(
            "strict isolation needs bubblewrap with user namespaces, or a grader running "
            "as root. Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`) "
            "and allow unprivileged user namespaces (`sysctl "
            "kernel.unprivileged_userns_clone=1`; Ubuntu 24.04: an AppArmor profile for "
            "bwrap), or run the grader as root in a container."
        )
    return Isolation.NONE


def worker_ids(slot: int) -> tuple[int, int]:
    """The unprivileged (uid, gid) of the workers of grading process number ``slot``."""
    uid = int(os.environ.get("LESSON_PKG_WORKER_UID", DEFAULT_WORKER_UID)) + slot
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        return uid, uid
    if owner != WORKER_ACCOUNT:
        raise IsolationUnavailable(
            f"uid {uid} belongs to the account {owner!r}; set LESSON_PKG_WORKER_UID to "
            "the first of a range of unused user ids"
        )
    return uid, uid


def claim_worker_ids(first_slot: int = 0) -> tuple[int, int, BinaryIO | None]:
    """A worker (uid, gid) that no other grader on this machine is using, and its lock.

    Two graders at once (a class graded by several processes, two runs by two people)
    must never share a worker user: after each submission the host removes everything
    that user owns. As root, the host takes the first free uid from slot ``first_slot``
    on, holding an exclusive lock on ``uid-N.lock`` in a folder only root may write;
    the lock ends with the process. Not root, no user is ever switched to: no lock.
    """
    if os.geteuid() != 0:
        return (*worker_ids(first_slot), None)
    folder = _lock_folder()
    for slot in range(first_slot, first_slot + UID_RANGE):
        uid, gid = worker_ids(slot)
        handle = open(folder / f"uid-{uid}.lock", "ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return uid, gid, handle
    raise IsolationUnavailable(f"all {UID_RANGE} worker user ids are taken by other graders")


def _lock_folder() -> Path:
    """``/run/lesson-pkg`` (or one in the temporary folder), root's and writable by root only."""
    for parent in (Path("/run"), Path(tempfile.gettempdir())):
        if not parent.is_dir():
            continue
        folder = parent / "lesson-pkg-workers"
        folder.mkdir(mode=0o755, exist_ok=True)
        status = folder.lstat()
        if status.st_uid == 0 and not status.st_mode & 0o022 and stat.S_ISDIR(status.st_mode):
            return folder
    raise IsolationUnavailable("no folder writable by root only to hold the worker user ids")


@functools.cache
def bubblewrap_works() -> bool:
    """Whether bubblewrap is installed and may create the namespaces we need."""
    binary = bwrap_path()
    if binary is None:
        return False
    probe = [binary, *_namespace_options(), "--ro-bind", "/", "/", "true"]
    try:
        completed = subprocess.run(probe, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


@functools.cache
def _sized_tmp() -> list[str]:
    """The option capping the sandbox's /tmp at TMP_BYTES, where this bubblewrap has it.

    That tmpfs holds each worker's folder in memory, outside the worker's RLIMIT_AS.
    """
    binary = bwrap_path()
    assert binary is not None
    try:
        manual = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ["--size", str(TMP_BYTES)] if "--size" in manual.stdout else []


def _namespace_options() -> list[str]:
    options = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    options += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        options += ["--cap-drop", "ALL"]
        for capability in ROOT_CAPABILITIES:
            options += ["--cap-add", capability]
    else:
        options.append("--unshare-user")
    return options


@functools.cache
def _python_paths() -> list[str]:
    """The folders Python and its packages live in, as the host will see them.

    Asked of ``python -I`` itself (the host runs isolated): its import path, with no
    current folder and no ``PYTHONPATH``, so that neither the course folder the grader
    was started in nor anything else of the grader's is ever bound into the sandbox.
    """
    completed = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; print('\\n'.join(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
    )
    paths = {
        sys.prefix,
        sys.base_prefix,
        str(Path(sys.executable).parent),
        str(Path(os.path.realpath(sys.executable)).parent),
        *(entry for entry in completed.stdout.splitlines() if entry and Path(entry).is_dir()),
    }
    ordered = sorted(path for path in paths if not path.startswith(SYSTEM_PATHS))
    # a folder inside another one already bound needs no bind of its own
    return [path for path in ordered if not any(path.startswith(f"{p}/") for p in ordered)]


def _package_view() -> list[str]:
    """Options that show only the worker's code of ``lesson_pkg``: no reference, no grader."""
    package = Path(__file__).resolve().parents[2]
    options = ["--tmpfs", str(package)]
    for part in WORKER_CODE:
        options += ["--ro-bind", str(package / part), str(package / part)]
    return [*options, "--remount-ro", str(package)]


def _parent_folders(paths: list[str]) -> list[str]:
    """Options that make the folders above ``paths`` enterable by the worker's user.

    bubblewrap makes a missing parent of a bound path ``drwx------`` (root's, when the
    grader is root), and the worker's user could then import nothing below it: a package
    the host had not imported yet, ``numpy.polynomial`` or scipy, would be missing.
    """
    parents = {str(parent) for path in paths for parent in Path(path).parents}
    options = []
    for parent in sorted(parents - {"/"}):  # sorted: each parent before its children
        if not parent.startswith(SYSTEM_PATHS) and parent != "/tmp":
            options += ["--perms", "0755", "--dir", parent]
    return options


def _system_view() -> list[str]:
    options = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            options += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            options += ["--ro-bind", path, path]
    return options


def host_command(isolation: Isolation, control_fd: int, uid: int, gid: int) -> list[str]:
    """The command line that starts the worker host under ``isolation``."""
    python = [sys.executable, "-I", "-B", "-m", HOST_MODULE, str(control_fd)]
    python += [isolation.value, str(uid), str(gid)]
    if isolation is not Isolation.NAMESPACES:
        return python
    binary = bwrap_path()
    assert binary is not None
    options = [binary, *_namespace_options(), *_system_view()]
    options += ["--proc", "/proc", "--dev", "/dev", *_sized_tmp(), "--tmpfs", "/tmp"]
    package = str(Path(__file__).resolve().parents[2])
    options += _parent_folders([*_python_paths(), package])
    for path in _python_paths():  # after /tmp's tmpfs: a Python in /tmp stays visible
        options += ["--ro-bind", path, path]
    options += [*_package_view(), "--chdir", "/tmp"]
    return [*options, *python]


def host_environment() -> dict[str, str]:
    """A minimal environment: no tokens, paths or settings of the grader's leak in.

    Only ``LESSON_PKG_LANDLOCK`` passes through (set to "" it turns Landlock off).
    """
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",  # matplotlib draws to memory: no display, no probing for one
        "MKL_NUM_THREADS": "1",
        "LESSON_PKG_PLAIN_OUTPUT": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "LESSON_PKG_LANDLOCK" in os.environ:
        environment["LESSON_PKG_LANDLOCK"] = os.environ["LESSON_PKG_LANDLOCK"]
    return environment


def course_paths() -> list[Path]:
    """What a worker must never read: the reference and, in a checkout, the solutions.

    Checked, without Landlock, in the "user" isolation (:func:`require_private`).
    """
    package = Path(__file__).resolve().parents[2]
    worker_code = [package / part for part in WORKER_CODE]
    paths = [
        path
        for path in sorted(package.rglob("*.py"))
        if not any(path == code or code in path.parents for code in worker_code)
    ]
    solutions = package.parent / "solutions"
    return [*paths, solutions] if solutions.is_dir() else paths


def require_python_reachable(uid: int, gid: int) -> None:
    """Refuse to go on if user ``uid`` cannot read Python's library and packages.

    Without namespaces the worker sees the real file system: a Python installed in a
    private home folder (pyenv's ``/root/.pyenv``) would let an honest submission import
    nothing the host had not imported already.
    """
    libraries = [Path(sysconfig.get_path(name)) for name in ("stdlib", "purelib", "platlib")]
    for library in libraries:
        if reachable_by(uid, gid, [library]):
            continue
        path = [*reversed(library.parents), library]
        closed = next(folder for folder in path if not reachable_by(uid, gid, [folder]))
        raise IsolationUnavailable(
            f"the workers' user (uid {uid}) cannot read Python's library {library}: "
            f"{closed} is closed to other users, so an honest submission could import "
            "nothing new. Use a Python installed outside a private home folder, or open "
            f"the folder for entering only: chmod o+x {closed}"
        )


def require_private(paths: list[Path], uid: int, gid: int) -> None:
    """Refuse to go on if user ``uid`` may read any of ``paths``.

    They are hidden tests, a class's folders, the reference.
    Needed only without namespaces and without Landlock: with either, the worker's view
    of the file system holds none of it.
    """
    reachable = reachable_by(uid, gid, paths)
    if reachable:
        names = " ".join(str(path) for path in reachable)
        raise IsolationUnavailable(
            f"the workers' user (uid {uid}) can read {names}: without namespaces or "
            "Landlock a submission could read them (the reference, solutions, hidden "
            f"tests, other students' files). Make them private to the grader: "
            f"chmod -R go-rwx {names}"
        )


def reachable_by(uid: int, gid: int, paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that user ``uid`` (group ``gid``, no others) may read."""
    reachable = []
    for path in paths:
        test = ["test", "-r", str(path)]
        if path.is_dir():
            test += ["-a", "-x", str(path)]
        completed = subprocess.run(
            test,
            user=uid,
            group=gid,
            extra_groups=[],
            capture_output=True,
        )
        if completed.returncode == 0:
            reachable.append(path)
    return reachable
