"""The memory a worker and the processes it started hold, together.

``RLIMIT_AS`` caps each process, not their sum: a worker that forks hands each child a
fresh limit, and three children can pin three times the memory a submission may use.
The host therefore adds up, every :data:`CHECK_SECONDS` while it waits for the grader,
the anonymous memory of every process below it (:func:`held_bytes`) and stops them all
once the sum passes :func:`allowance`.
"""

from __future__ import annotations

import os

from lesson_pkg.grading.runner.limits import Limits

CHECK_SECONDS = 0.1
# Above the submission's own limit: the modules the worker preloads for it, and a few
# helper processes of honest code (a fork shares its parent's pages until it writes them).
SLACK_BYTES = 512 * 1024**2


def held_bytes(pid: int) -> int:
    """The anonymous memory process ``pid`` holds, in bytes; 0 once it has ended.

    Its proportional share (``Pss_Anon + Pss_Shmem`` of ``/proc/PID/smaps_rollup``): a
    page a fork shares with its parent counts once among them. Where that file cannot be
    read, the resident anonymous memory of ``/proc/PID/status`` (shared pages then count
    in each process).
    """
    fields = _fields(f"/proc/{pid}/smaps_rollup") or _fields(f"/proc/{pid}/status")
    if "Pss_Anon" in fields:
        return fields["Pss_Anon"] + fields.get("Pss_Shmem", 0)
    return fields.get("RssAnon", 0) + fields.get("RssShmem", 0)


def _fields(path: str) -> dict[str, int]:
    """``Name: 123 kB`` lines of a /proc file, in bytes; empty if it cannot be read."""
    try:
        with open(path) as lines:
            text = lines.read()
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        words = value.split()
        if len(words) == 2 and words[1] == "kB" and words[0].isdigit():
            fields[name] = int(words[0]) * 1024
    return fields


def allowance(limits: Limits) -> int:
    """What a new worker and its processes may hold together.

    It starts as a copy of this process (the host, torch imported), so the host's own
    anonymous memory, plus the submission's limit and :data:`SLACK_BYTES`.
    """
    return held_bytes(os.getpid()) + limits.memory_bytes + SLACK_BYTES
