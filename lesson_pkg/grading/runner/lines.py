"""Reading one line at a time from a pipe or socket, with a deadline and a size bound.

The grader's one message reader: its handle on the worker host (replies on the control
socket) and a submission's session (replies on the worker's pipe) both read through a
:class:`LineReader`. Light on purpose (no torch): the host's handle starts before torch
is imported.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable

MAX_LINE_BYTES = 8 * 1024 * 1024  # far above any graded result; bounds the grader's memory


class ReadFailed(Exception):
    """No whole line came."""


class TimedOut(ReadFailed):
    """No whole line before the deadline."""


class Closed(ReadFailed):
    """The other end closed (or died) before a whole line."""


class TooLong(ReadFailed):
    """More than the size bound without a line's end."""


class LineReader:
    """Lines from descriptor ``fileno``, read by ``receive(size)`` as data arrives."""

    def __init__(
        self, fileno: int, receive: Callable[[int], bytes], limit: int = MAX_LINE_BYTES
    ) -> None:
        self.fileno, self.receive, self.limit = fileno, receive, limit
        self._buffer = b""

    def line(self, seconds: float) -> bytes:
        """The next line, without its end; ReadFailed if none comes within ``seconds``."""
        deadline = time.monotonic() + seconds
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut(f"no reply within {seconds:g} s")
            readable, _, _ = select.select([self.fileno], [], [], remaining)
            if not readable:
                raise TimedOut(f"no reply within {seconds:g} s")
            chunk = self.receive(1 << 20)
            if not chunk:
                raise Closed("the other end closed")
            self._buffer += chunk
            if len(self._buffer) > self.limit:
                raise TooLong(f"a reply over {self.limit} bytes")
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line
