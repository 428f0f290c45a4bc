"""What one submission may use, in one place: time, memory, processes, files.

The grader chooses a :class:`Limits` (the command line's defaults are
:data:`DEFAULT_LIMITS`'s); the grader's end of the worker's pipes enforces the times,
the host applies the process count when it forks the worker, and the worker caps its
own memory and file size before it reads any submission code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The resources one submission may use while it is graded."""

    call_seconds: float = 10.0  # one call of one function
    total_seconds: float = 120.0  # all the calls of one submission together
    memory_bytes: int = 1024**3  # address space, above what the worker used when forked
    processes: int = 64  # per worker user (as root): the worker, and a few of its own
    file_bytes: int = 64 * 1024**2  # the largest file the worker may write
    # per process: a socket's buffers are kernel memory, which no other limit counts
    open_files: int = 64

    def to_message(self) -> dict[str, Any]:
        """The limits as plain data, for the host's spawn request."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Limits:
        """The limits :meth:`to_message` wrote."""
        return cls(
            float(message["call_seconds"]),
            float(message["total_seconds"]),
            int(message["memory_bytes"]),
            int(message["processes"]),
            int(message["file_bytes"]),
            int(message["open_files"]),
        )


DEFAULT_LIMITS = Limits()
