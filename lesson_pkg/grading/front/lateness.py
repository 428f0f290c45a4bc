"""Late work: when a submission was made, and what a late policy takes off its score.

The submission time is read from the submission itself, never from the clock of the
grading run, so grading again never changes the lateness. The sources, in this order
(the first that gives a time wins):

1. Gradescope's ``submission_metadata.json``, its ``created_at``
   (https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/);
2. Classroom 50's ``result.json``, its ``datetime``: "the submission instant: the graded
   commit's committer date (UTC ISO 8601). Invariant across regrades" (Classroom 50 wiki,
   Advanced Autograding, "The result.json contract");
3. the submission's last git commit, its committer date (what Classroom 50 uses too);
4. the instructor's ``--times`` CSV (columns ``folder`` and ``time``).

A :class:`LatePolicy` (``--deadline 2026-10-01T23:59:00+00:00 --late-penalty 10%/day
--late-cap 50% --grace 15m``) counts whole days late, each started day counting, from
the deadline, once the grace period is over:

    days_late = 0 if time <= deadline + grace else ceil((time - deadline) / 1 day)
    final = raw * (1 - min(cap, days_late * penalty_per_day))

Example: 10%/day, submitted 1 h after the deadline with 15 min of grace: 1 day late,
a raw 60 becomes 54.
"""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib  # novermin
else:  # Python 3.10 (Gradescope's default image): the same parser, from PyPI
    import tomli as tomllib

DAY = timedelta(days=1)
GRADESCOPE_METADATA = "submission_metadata.json"
CLASSROOM50_RESULT = "result.json"
SOURCES = ("gradescope", "classroom50", "git", "times")
GIT_LOG = ("git", "--no-pager", "-c", "core.fsmonitor=false")  # no pager, no hook to run
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|day|days)\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "day": 86400, "days": 86400}


def parse_time(text: str) -> datetime:
    """An ISO-8601 instant with its offset (``Z`` accepted), as an aware datetime.

    Example: ``parse_time("2026-10-01T23:59:00Z")`` is 23:59 UTC that day.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError) as error:
        raise ValueError(
            f"expected an ISO-8601 time such as 2026-10-01T23:59:00+00:00, received {text!r}"
        ) from error
    if moment.tzinfo is None:
        raise ValueError(
            f"expected a time with its UTC offset (…+02:00 or …Z), received {text!r}: "
            "a time without one is ambiguous"
        )
    return moment


def parse_fraction(text: str) -> float:
    """``"10%"``, ``"10%/day"`` or ``"0.1"`` as the fraction 0.1 (between 0 and 1)."""
    cleaned = str(text).strip().removesuffix("/day").strip()
    try:
        value = float(cleaned.removesuffix("%")) / (100 if cleaned.endswith("%") else 1)
    except ValueError as error:
        raise ValueError(f"expected a percentage such as 10%/day, received {text!r}") from error
    if not 0 <= value <= 1:
        raise ValueError(f"expected a percentage between 0% and 100%, received {text!r}")
    return value


def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d"`` or ``"30s"`` as a timedelta."""
    match = DURATION.match(str(text))
    if not match:
        raise ValueError(f"expected a duration such as 15m, 2h or 1d, received {text!r}")
    return timedelta(seconds=float(match[1]) * UNIT_SECONDS[match[2]])


@dataclass(frozen=True)
class LatePolicy:
    """A deadline, a penalty per day late, its cap, and a grace period."""

    deadline: datetime
    penalty_per_day: float = 0.0
    cap: float = 1.0
    grace: timedelta = timedelta(0)

    @classmethod
    def from_options(
        cls, deadline: str, penalty: str = "0%", cap: str = "100%", grace: str = "0s"
    ) -> LatePolicy:
        """The policy the command line's ``--deadline``... options describe."""
        return cls(
            parse_time(deadline),
            parse_fraction(penalty),
            parse_fraction(cap),
            parse_duration(grace),
        )

    @classmethod
    def from_file(cls, path: Path) -> LatePolicy:
        """A TOML policy file: ``deadline``, and optionally ``penalty``, ``cap``, ``grace``.

        Example: ``deadline = "2026-10-01T23:59:00Z"`` then ``penalty = "10%/day"``.
        """
        data = tomllib.loads(Path(path).read_text())
        if "deadline" not in data:
            raise ValueError(f"{path}: a late policy needs a deadline; keys found: {list(data)}")
        return cls.from_options(
            str(data["deadline"]),
            str(data.get("penalty", "0%")),
            str(data.get("cap", "100%")),
            str(data.get("grace", "0s")),
        )

    def days_late(self, submitted: datetime) -> int:
        """Whole days late, each started day counting; 0 within the grace period."""
        if submitted <= self.deadline + self.grace:
            return 0
        return math.ceil((submitted - self.deadline) / DAY)

    def penalty(self, days_late: int) -> float:
        """The fraction of the score taken off for ``days_late`` days."""
        return min(self.cap, days_late * self.penalty_per_day)


@dataclass(frozen=True)
class Lateness:
    """One submission's time, where it came from, and the score before and after."""

    raw: float
    submitted: datetime | None
    source: str
    days_late: int
    penalty: float
    final: float

    def row(self) -> dict[str, str]:
        """The gradebook's late-work columns."""
        return {
            "raw score": f"{self.raw:g}",
            "submitted": self.submitted.isoformat() if self.submitted else "",
            "time from": self.source,
            "days late": str(self.days_late),
            "penalty": f"{self.penalty:.0%}",
            "final score": f"{self.final:g}",
        }


def read_times(path: Path) -> dict[str, datetime]:
    """The ``--times`` CSV: a ``folder`` and a ``time`` column (ISO-8601)."""
    with Path(path).open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"folder", "time"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected the columns folder,time; found {reader.fieldnames}")
        return {row["folder"].strip(): parse_time(row["time"]) for row in reader}


def _json_time(path: Path, key: str) -> datetime | None:
    try:
        value = json.loads(path.read_text())[key]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return parse_time(value) if isinstance(value, str) else None


def last_commit_time(folder: Path) -> datetime | None:
    """The committer date of the last commit of the git repository holding ``folder``."""
    try:
        completed = subprocess.run(
            [*GIT_LOG, "-C", str(folder), "log", "-1", "--format=%cI"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = completed.stdout.strip()
    return parse_time(text) if completed.returncode == 0 and text else None


def submission_time(
    folder: Path, times: dict[str, datetime] | None = None
) -> tuple[datetime | None, str]:
    """When the submission in ``folder`` was made, and which source said so."""
    found = _json_time(folder / GRADESCOPE_METADATA, "created_at")
    if found:
        return found, "gradescope"
    found = _json_time(folder / CLASSROOM50_RESULT, "datetime")
    if found:
        return found, "classroom50"
    if (folder / ".git").exists():
        found = last_commit_time(folder)
        if found:
            return found, "git"
    if times and folder.name in times:
        return times[folder.name], "times"
    return None, ""


def apply_policy(
    raw: float, submitted: datetime | None, source: str, policy: LatePolicy | None
) -> Lateness:
    """The final score of ``raw`` under ``policy``; without a time, no penalty is applied."""
    if policy is None or submitted is None:
        return Lateness(raw, submitted, source or "unknown", 0, 0.0, raw)
    days = policy.days_late(submitted)
    penalty = policy.penalty(days)
    return Lateness(raw, submitted, source, days, penalty, round(raw * (1 - penalty), 4))


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC as ``2026-06-01T14:32:01Z`` (Classroom 50's format)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
