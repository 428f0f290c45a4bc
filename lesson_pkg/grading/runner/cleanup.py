"""Removing everything a worker's user owns, before the next submission runs.

Without namespaces, a worker's user shares the machine's process table, System V IPC
and world-writable folders with the next student's worker. The host, as root, removes
after each submission every process, IPC object and file that user owns, so that
nothing one student leaves can be read, or signalled, by the next.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
from pathlib import Path

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
IPC_RMID = 0
IDENTIFIERS = {"shm": "shmid", "msg": "msqid", "sem": "semid"}  # /proc/sysvipc columns
_libc = ctypes.CDLL(None, use_errno=True)


def remove_everything_of(uid: int) -> None:
    """Kill every process of ``uid``, remove its IPC objects and its shared files."""
    kill_processes_of(uid)
    remove_ipc_of(uid)
    for folder in SHARED_FOLDERS:
        remove_files_of(uid, Path(folder))


def kill_processes_of(uid: int) -> None:
    """SIGKILL every process of ``uid``, through a child that becomes ``uid`` to send it.

    ``kill(-1)`` from that user reaches exactly that user's processes, wherever they are
    in the process tree, whatever session or name they took.
    """
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def ipc_objects_of(uid: int) -> list[tuple[str, int]]:
    """(kind, id) of each System V shared memory, message queue and semaphore of ``uid``.

    Read from ``/proc/sysvipc``: an object counts as the user's if it owns or made it.
    """
    found = []
    for kind in ("shm", "msg", "sem"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split() if lines else []
        for line in lines[1:]:
            fields = dict(zip(header, line.split(), strict=False))
            if uid in (int(fields.get("uid", -1)), int(fields.get("cuid", -1))):
                found.append((kind, int(fields[IDENTIFIERS[kind]])))
    return found


def remove_ipc_of(uid: int) -> None:
    """Remove every System V IPC object of ``uid``."""
    for kind, identifier in ipc_objects_of(uid):
        if kind == "shm":
            _libc.shmctl(identifier, IPC_RMID, None)
        elif kind == "msg":
            _libc.msgctl(identifier, IPC_RMID, None)
        else:
            _libc.semctl(identifier, 0, IPC_RMID)


def remove_files_of(uid: int, folder: Path) -> None:
    """Remove everything below ``folder`` that ``uid`` owns (links are never followed).

    The user can have made files only in its own folders (removed whole) and in folders
    anyone may write to: only those are searched, so a large ``/tmp`` costs little.
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            _remove(Path(entry.path), info)
        elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
            remove_files_of(uid, Path(entry.path))


def _remove(path: Path, info: os.stat_result) -> None:
    try:
        if stat.S_ISDIR(info.st_mode):
            for entry in os.scandir(path):
                _remove(Path(entry.path), entry.stat(follow_symlinks=False))
            path.rmdir()
        else:
            path.unlink()
    except OSError:
        pass
