"""A room's results and tokens, in one SQLite file (WAL mode, readable only by its owner).

One row per posted ``check()``: when it arrived, the learner's random kernel id and
display name, the exercise and function, the points, and the named mistake's id. The
two tokens (join and instructor) live beside the results, so a restarted room keeps its
addresses; :func:`delete_room` removes the file and everything in it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (role TEXT PRIMARY KEY, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    received REAL NOT NULL,
    sent REAL NOT NULL,
    kernel TEXT NOT NULL,
    name TEXT NOT NULL,
    exercise TEXT NOT NULL,
    function TEXT NOT NULL,
    points INTEGER NOT NULL,
    max_points INTEGER NOT NULL,
    mistake TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS by_learner ON results (kernel, function, id);
"""
COLUMNS = (
    "received",
    "sent",
    "kernel",
    "name",
    "exercise",
    "function",
    "points",
    "max_points",
    "mistake",
)


@dataclass(frozen=True)
class Result:
    """One posted outcome, as stored."""

    received: float
    sent: float
    kernel: str
    name: str
    exercise: str
    function: str
    points: int
    max_points: int
    mistake: str

    @property
    def passed(self) -> bool:
        """Whether the check earned every point."""
        return self.points == self.max_points


@dataclass(frozen=True)
class Tokens:
    """The learners' join token (post only) and the instructor's (read everything)."""

    join: str
    instructor: str


class Store:
    """The results of one room, in the SQLite file at ``path`` (created if missing)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def tokens(self) -> Tokens:
        """The room's two tokens, drawn (``secrets.token_urlsafe``) the first time."""
        for role in ("join", "instructor"):
            self._db.execute(
                "INSERT OR IGNORE INTO tokens VALUES (?, ?)", (role, secrets.token_urlsafe(24))
            )
        found = dict(self._db.execute("SELECT role, token FROM tokens"))
        return Tokens(found["join"], found["instructor"])

    def add(self, result: Result) -> None:
        """Store one result."""
        self._db.execute(
            f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            tuple(getattr(result, column) for column in COLUMNS),
        )

    def count(self) -> int:
        """How many results the room holds."""
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def results(self) -> Iterator[Result]:
        """Every result, in the order they arrived."""
        query = f"SELECT {', '.join(COLUMNS)} FROM results ORDER BY id"
        for row in self._db.execute(query):
            yield Result(*row)

    def latest(self) -> list[Result]:
        """Each learner's latest result for each function they tried."""
        query = (
            f"SELECT {', '.join(COLUMNS)} FROM results WHERE id IN "
            "(SELECT MAX(id) FROM results GROUP BY kernel, function) ORDER BY id"
        )
        return [Result(*row) for row in self._db.execute(query)]

    def first_passes(self) -> list[tuple[float, str, str]]:
        """(time, kernel, function) of each learner's first pass of each function, in order."""
        query = (
            "SELECT MIN(received), kernel, function FROM results WHERE points = max_points "
            "GROUP BY kernel, function ORDER BY 1"
        )
        return list(self._db.execute(query))

    def learners(self) -> list[tuple[str, str, float, float]]:
        """(kernel, latest display name, first seen, last seen) of each learner."""
        query = (
            "SELECT r.kernel, r.name, s.first, s.last FROM results r JOIN "
            "(SELECT kernel, MIN(received) AS first, MAX(received) AS last, MAX(id) AS id "
            "FROM results GROUP BY kernel) s ON r.id = s.id ORDER BY s.first"
        )
        return list(self._db.execute(query))

    def close(self) -> None:
        """Close the database (its WAL is folded back into the file)."""
        self._db.close()


def delete_room(path: str | os.PathLike[str]) -> list[Path]:
    """Delete a room's file and its WAL companions; the paths that were removed."""
    path = Path(path)
    removed = []
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if each.exists():
            each.unlink()
            removed.append(each)
    return removed
