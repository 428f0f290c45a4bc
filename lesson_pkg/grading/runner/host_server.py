"""The host's end of its control socket: prepared once (torch imported), it forks workers.

One worker per submission (the other end: :mod:`host_client`).

Started by the grader (:class:`lesson_pkg.grading.runner.host_client.WorkerHost`) as
``python -I -m lesson_pkg.grading.runner.host_server CONTROL_FD ISOLATION UID GID``, inside
bubblewrap when the isolation is "namespaces". It obeys two requests on its control
socket: ``spawn`` (the worker's :class:`~lesson_pkg.grading.runner.limits.Limits` and its
two pipe ends; the submission's
files come through the worker's own pipe) and ``stop`` (the reply comes once every process
the worker started is gone). When the grader goes, it stops everything and exits.

Each worker, before it sees any submission code:

- "namespaces": gets a PID namespace of its own (and, when the host is not root, a user
  namespace to make it), so it sees no process but its own and all of them die with it;
- as root ("namespaces" or "user"): becomes the unprivileged ``UID``/``GID``;
- "namespaces" and "user", where the kernel has Landlock: sees only the system, Python
  and its packages (read-only) and its own folder (:mod:`~lesson_pkg.grading.runner.landlock`);
- always: a session of its own, no new privileges, its standard streams on /dev/null,
  no new program (``execve`` refused: :mod:`~lesson_pkg.grading.runner.seccomp`, on
  Linux), and the host is a child subreaper, so that nothing it starts can escape ``stop``.

After each worker, as root, the host removes everything the worker's user owns
(processes, System V IPC, files in shared folders: :mod:`~lesson_pkg.grading.runner.cleanup`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from lesson_pkg.grading.runner import cleanup, landlock, memory, seccomp, worker_server
from lesson_pkg.grading.runner.limits import Limits

CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare failed: {os.strerror(error)}")


def _descendants() -> list[int]:
    """Every process below this one, found through /proc (children of children too)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    found, frontier = [], [os.getpid()]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def stop_everything(seconds: float = 10.0) -> bool:
    """Kill and reap every process below the host, checking again until none is left.

    Each round kills what it finds (a process forked meanwhile is found by the next one)
    and reaps what has ended. True once none is left; False if some survived ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while remaining := _descendants():
        if time.monotonic() > deadline:
            print(f"processes left after {seconds:g} s: {_describe(remaining)}", file=sys.stderr)
            return False
        for pid in remaining:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap_ended()
        time.sleep(0.002)
    return True


def _reap_ended() -> None:
    """Collect the exit status of every child that has ended (orphans included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _describe(pids: list[int]) -> str:
    """``pid (name, state)`` for each of ``pids``, as /proc tells."""
    described = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                name, rest = stat.read().split(" (", 1)[1].rsplit(")", 1)
            described.append(f"{pid} ({name}, {rest.split()[0]})")
        except (OSError, IndexError, ValueError):
            continue
    return ", ".join(described)


def _keep_only(fds: list[int]) -> None:
    """Close every descriptor but ``fds``, and put the standard streams on /dev/null.

    Above all the host's control socket: a worker that could write to it could forge the
    host's replies or ask it for things.
    """
    null = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(null, stream)
    for descriptor in map(int, os.listdir("/proc/self/fd")):
        if descriptor > 2 and descriptor not in fds:
            try:
                os.close(descriptor)
            except OSError:
                pass  # the descriptor of the listing itself, already closed


def _python_folders() -> list[str]:
    """Where this Python and its packages live (the host runs ``-I``: no course folder)."""
    executable = Path(sys.executable)
    folders = [sys.prefix, sys.base_prefix, str(executable.parent)]
    folders.append(str(executable.resolve().parent))
    return [*folders, *(entry for entry in sys.path if os.path.isdir(entry))]


def _private_folders() -> list[Path]:
    """The package (reference and grader) and, for a checkout, the whole course."""
    package = Path(worker_server.__file__).resolve().parents[2]
    checkout = package.parent
    return [package, checkout] if (checkout / "pyproject.toml").is_file() else [package]


class Host:
    """Forks workers with the isolation the grader asked for."""

    def __init__(self, isolation: str, uid: int, gid: int) -> None:
        self.isolation = isolation
        self.drop_privileges = os.geteuid() == 0 and isolation != "none"
        self.uid, self.gid = uid, gid
        self.scratch = Path(tempfile.mkdtemp(prefix="lesson-grading-"))
        os.chmod(self.scratch, 0o711)  # a worker may enter its own folder below, no more
        self.allowed: int | None = None  # what the current worker may hold, its processes too
        self.readable: list[str] | None = None
        if isolation != "none" and landlock.abi_version():
            self.readable = landlock.readable_roots(_python_folders(), _private_folders())

    def spawn(self, limits: Limits, fds: list[int]) -> None:
        """Fork a worker under ``limits`` that reads its submission and requests from ``fds``."""
        self.allowed = memory.allowance(limits)
        if os.fork() == 0:
            try:
                self._become_worker(limits, fds)
            finally:
                os._exit(0)
        for descriptor in fds:
            os.close(descriptor)

    def _become_worker(self, limits: Limits, fds: list[int]) -> None:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        home = self.scratch / f"worker-{os.getpid()}"
        home.mkdir(mode=0o700)
        if self.drop_privileges:
            os.chown(home, self.uid, self.gid)
        if self.isolation == "namespaces":
            self._enter_pid_namespace()
        if self.drop_privileges:
            # a uid of its own per grading process: the count bounds a fork bomb
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            # no POSIX message queue: its bytes count against this limit, per user
            resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
            os.setgroups([])
            os.setgid(self.gid)
            os.setuid(self.uid)
        os.environ["TMPDIR"] = str(home)
        tempfile.tempdir = str(home)
        os.chdir(home)  # a file saved by a relative name lands in the worker's own folder
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        if self.readable is not None:
            landlock.restrict(self.readable, [str(home)])
        seccomp.forbid_new_programs()  # a fresh interpreter would escape the block of built-ins
        _keep_only(fds)
        worker_server.serve(limits, *fds)

    @staticmethod
    def _enter_pid_namespace() -> None:
        """Continue as PID 1 of new PID and IPC namespaces (a user namespace too unless root).

        Shared memory the worker makes dies with it.
        """
        if os.geteuid() == 0:
            _unshare(CLONE_NEWPID | CLONE_NEWIPC)
        else:
            uid, gid = os.geteuid(), os.getegid()
            _unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWIPC)
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        if os.fork() != 0:  # the child is PID 1 of the new namespace; this one is done
            os._exit(0)

    def check_memory(self) -> None:
        """Kill the worker and every process it started if together they hold too much.

        The grader then finds the worker gone (:mod:`lesson_pkg.grading.runner.memory`).
        """
        if self.allowed is None:
            return
        below = _descendants()
        if sum(memory.held_bytes(pid) for pid in below) > self.allowed:
            for pid in below:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def stop(self) -> bool:
        """Stop the current worker and everything it started; empty the scratch folder.

        True when no process of the worker is left.
        """
        self.allowed = None
        stopped = stop_everything()
        if self.drop_privileges:
            cleanup.remove_everything_of(self.uid)
        for leftover in self.scratch.iterdir():
            shutil.rmtree(leftover, ignore_errors=True)
        return stopped


def serve(control_fd: int, isolation: str, uid: int, gid: int) -> None:
    """Answer the grader's spawn and stop requests until it closes the control socket."""
    control = socket.socket(fileno=control_fd)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a worker are re-parented here
    worker_server.block_references()
    import torch._dynamo  # noqa: F401  (the first optimizer imports it: 1-2 s, paid once)

    host = Host(isolation, uid, gid)
    control.sendall(b'{"ready": true}\n')
    try:
        while True:
            if not select.select([control], [], [], memory.CHECK_SECONDS)[0]:
                host.check_memory()  # while the worker works
                continue
            message, fds, _, _ = socket.recv_fds(control, 1 << 24, 2)
            if not message:
                return  # the grader has gone
            request = json.loads(message)
            if request["op"] == "spawn":
                host.spawn(Limits.from_message(request["limits"]), fds)
                control.sendall(b'{"spawned": true}\n')
            else:
                stopped = host.stop()
                control.sendall(json.dumps({"stopped": stopped}).encode() + b"\n")
    finally:
        host.stop()
        shutil.rmtree(host.scratch, ignore_errors=True)


def main() -> None:
    """``python -I -m lesson_pkg.grading.runner.host_server CONTROL_FD ISOLATION UID GID``."""
    control_fd, isolation, uid, gid = sys.argv[1:5]
    serve(int(control_fd), isolation, int(uid), int(gid))
    # every worker is stopped and the scratch folder gone: skip the interpreter's
    # teardown of torch (most of a second), which the grader would wait for
    os._exit(0)


if __name__ == "__main__":
    main()
