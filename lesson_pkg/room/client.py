"""A learner's side of the live room: each ``check()`` posts its outcome, in the background.

Join once per kernel, with the join address the instructor's ``lesson room`` printed::

    from lesson_pkg.checks import join_room

    join_room("http://10.0.0.5:8765/join/Hq3...", name="seat 14")

or set the environment variable ``LESSON_ROOM`` to that address (a hub or an nbgitpuller
link can), with ``LESSON_ROOM_NAME`` for the display name. From then on every
``check()`` also sends the room: the exercise file and function, the points out of the
maximum, the id of the classic mistake it recognised (if any), the display name, a random
id drawn once per kernel, and the time. Never code, a file path or anything else.

Posting never holds ``check()`` up: results go into a small queue that one background
thread sends, each with a short timeout. A full queue drops the result. At exit, the
kernel waits at most ``EXIT_WAIT`` seconds for what is still queued. A room that is down,
slow or refuses a result is reported once, on standard error, and ``check()`` goes on as
before. Only the standard library is used: learners need no extra package.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ROOM_VARIABLE = "LESSON_ROOM"
NAME_VARIABLE = "LESSON_ROOM_NAME"
POST_TIMEOUT = 2.0  # seconds one post may take before it is given up
QUEUE_SIZE = 64  # results waiting to be sent; more are dropped
EXIT_WAIT = 3.0  # seconds a finishing process waits for its queued results
NAME_LENGTH = 40  # the longest display name, in characters


def check_join_url(url: object) -> str:
    """``url`` if it is a room's join address (``http(s)://HOST:PORT/join/TOKEN``).

    Raises ``TypeError`` for a non-string and ``ValueError`` for anything else.

    >>> check_join_url("http://127.0.0.1:8765/join/abc")
    'http://127.0.0.1:8765/join/abc'
    """
    if not isinstance(url, str):
        raise TypeError(f"the room's join address should be a str, got {type(url).__name__}")
    parts = urllib.parse.urlsplit(url.strip())
    token = parts.path.removeprefix("/join/")
    if parts.scheme not in ("http", "https") or not parts.hostname or token == parts.path:
        raise ValueError(
            "the room's join address looks like http://HOST:PORT/join/TOKEN "
            f"(as `lesson room` prints it), got {url!r}"
        )
    if not token or "/" in token:
        raise ValueError(f"the join address {url!r} has no token after /join/")
    return url.strip()


def check_display_name(name: object) -> str:
    """``name`` without surrounding spaces: 1 to ``NAME_LENGTH`` printable characters.

    >>> check_display_name("  seat 14 ")
    'seat 14'
    """
    if not isinstance(name, str):
        raise TypeError(f"the display name should be a str, got {type(name).__name__}")
    name = name.strip()
    if not 1 <= len(name) <= NAME_LENGTH or not name.isprintable():
        raise ValueError(
            f"the display name should be 1 to {NAME_LENGTH} printable characters, got {name!r}"
        )
    return name


def post_json(url: str, payload: dict[str, Any], timeout: float) -> int:
    """POST ``payload`` as JSON to ``url``; the HTTP status (an error status raises)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


class RoomClient:
    """A kernel's link to one room: a bounded queue and the thread that empties it.

    Parameters
    ----------
    url : str
        The join address ``lesson room`` printed.
    name : str
        The display name the instructor sees.
    timeout : float
        Seconds one post may take.
    """

    def __init__(self, url: str, name: str, timeout: float = POST_TIMEOUT) -> None:
        self.url = check_join_url(url)
        self.name = check_display_name(name)
        self.kernel = secrets.token_hex(8)
        self.timeout = timeout
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_SIZE)
        self._pending = 0
        self._idle = threading.Condition()
        self._told = False
        self._thread = threading.Thread(target=self._send_all, name="lesson-room", daemon=True)
        self._thread.start()

    def submit(
        self, exercise: str, function: str, points: int, max_points: int, mistake: str
    ) -> None:
        """Queue one check's outcome for the room; never waits (a full queue drops it)."""
        result = {
            "exercise": exercise,
            "function": function,
            "points": points,
            "max_points": max_points,
            "mistake": mistake,
            "name": self.name,
            "kernel": self.kernel,
            "time": round(time.time(), 3),
        }
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait(result)
        except queue.Full:
            self._done(ok=False, reason="too many results are waiting to be sent")

    def flush(self, timeout: float = EXIT_WAIT) -> bool:
        """Wait at most ``timeout`` seconds for the queue to be sent; whether it was."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = EXIT_WAIT) -> None:
        """Send what is queued (waiting at most ``timeout`` seconds), then stop the thread."""
        self.flush(timeout)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            return  # the daemon thread ends with the process

    def _send_all(self) -> None:
        while (result := self._queue.get()) is not None:
            try:
                post_json(self.url, result, self.timeout)
            except urllib.error.HTTPError as error:
                self._done(ok=False, reason=f"it refused a result (HTTP {error.code})")
            except (OSError, ValueError) as error:
                self._done(ok=False, reason=f"{type(error).__name__}: {error}")
            else:
                self._done(ok=True)

    def _done(self, ok: bool, reason: str = "") -> None:
        with self._idle:
            self._pending -= 1
            self.sent += ok
            self.failed += not ok
            tell, self._told = not ok and not self._told, self._told or not ok
            self._idle.notify_all()
        if tell:
            _say(f"could not reach the room ({reason}); your checks work as before")

    def __repr__(self) -> str:
        host = urllib.parse.urlsplit(self.url).netloc
        return f"RoomClient(room at {host}, name={self.name!r}, {self.sent} results sent)"


def _say(message: str) -> None:
    print(f"lesson room: {message}", file=sys.stderr, flush=True)


_joined: RoomClient | None = None
_from_environment: RoomClient | None = None
_environment_read = False


def join_room(url: str, name: str | None = None) -> RoomClient:
    """Join a live room: from now on each ``check()`` in this kernel posts its outcome.

    Parameters
    ----------
    url : str
        The join address the instructor's ``lesson room`` printed,
        ``http://HOST:PORT/join/TOKEN``.
    name : str, optional
        What the instructor sees for you (1 to 40 characters); by default
        ``LESSON_ROOM_NAME``, or "learner" and four letters of this kernel's random id.

    Returns
    -------
    RoomClient
        The link, whose ``sent`` and ``failed`` count the results posted.
    """
    global _joined
    client = RoomClient(url, _default_name() if name is None else name)
    if _joined is not None:
        _joined.close(timeout=0)
    _joined = client
    return client


def current_room() -> RoomClient | None:
    """The room this kernel joined, else the one ``LESSON_ROOM`` names, else None.

    A ``LESSON_ROOM`` that is not a join address is reported once and ignored.
    """
    global _from_environment, _environment_read
    if _joined is not None:
        return _joined
    if not _environment_read:
        _environment_read = True
        url = os.environ.get(ROOM_VARIABLE, "").strip()
        if url:
            try:
                _from_environment = RoomClient(url, _default_name())
            except (TypeError, ValueError) as error:
                _say(f"{ROOM_VARIABLE} is ignored: {error}")
    return _from_environment


def report_check(exercise: str, function: str, points: int, max_points: int, mistake: str) -> None:
    """Post one ``check()``'s outcome to the current room, if any (in the background)."""
    room = current_room()
    if room is not None:
        room.submit(exercise, function, points, max_points, mistake)


def _default_name() -> str:
    name = os.environ.get(NAME_VARIABLE, "").strip()
    return name or f"learner {secrets.token_hex(2)}"


@atexit.register
def _deliver_before_exit() -> None:
    """A short-lived process's results are sent before it exits: at most ``EXIT_WAIT`` s."""
    deadline = time.monotonic() + EXIT_WAIT
    for room in (_joined, _from_environment):
        if room is not None:
            room.flush(max(0.0, deadline - time.monotonic()))
