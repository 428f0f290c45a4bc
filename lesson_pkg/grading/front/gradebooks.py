"""From grades to the school's gradebook: a roster, late work, Canvas and Moodle files.

``lesson grade-class SUBMISSIONS --out RESULTS --roster ROSTER.csv [late policy]`` adds,
after :func:`~lesson_pkg.grading.front.class_grading.grade_class`:

- to ``RESULTS/gradebook.csv``: the student's name and email, and the late-work columns
  (raw score, submitted, time from, days late, penalty, final score);
- ``RESULTS/lateness/<folder>.json``: the same, per student;
- ``RESULTS/gradebook-canvas.csv``: Canvas's gradebook import file. Canvas documents it
  as the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then
  one column per assignment; its exports add a second row, ``Points Possible``, that
  import reads (Canvas guides, "How do I import grades in the Gradebook?"; Ohio State's
  CarmenCanvas guide "Import a CSV file to Carmen grades" lists the same required
  columns). Canvas matches students on ``ID`` (the Canvas user id, the roster's
  ``lms_id``), else on ``SIS User ID``; a new column name creates a new assignment, so the
  file holds the students' columns and one assignment column, nothing else;
- ``RESULTS/gradebook-moodle.csv``: Moodle's "Import grades from CSV" file. Moodle maps
  one identifier column to its users on import ("Map from" ``Email address`` to
  ``useremail``, or ``ID number`` to ``useridnumber``) and each other column to a grade
  item ("Map to"); grades are numbers, one row per student, a header row first (MoodleDocs,
  "Grade import", CSV import and its tips).

The roster is a CSV with the columns ``folder``, ``name``, ``email``, ``lms_id``, ``sis_id``
(others ignored). A folder without a roster row, or a roster row without a folder, is
listed in :class:`RosterCheck` and makes the command exit non-zero: never dropped silently.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lesson_pkg.grading.core.results import spreadsheet_cell
from lesson_pkg.grading.front.class_grading import StudentResult
from lesson_pkg.grading.front.lateness import (
    Lateness,
    LatePolicy,
    apply_policy,
    read_times,
    submission_time,
)

ROSTER_COLUMNS = ("folder", "name", "email", "lms_id", "sis_id")
CANVAS_FILE = "gradebook-canvas.csv"
MOODLE_FILE = "gradebook-moodle.csv"
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_COLUMNS = ("Email address", "ID number", "Full name")
DEFAULT_ASSIGNMENT = "Loss, Epochs & Accuracy homework"


@dataclass(frozen=True)
class Student:
    """One roster row."""

    folder: str
    name: str
    email: str
    lms_id: str
    sis_id: str


@dataclass
class RosterCheck:
    """Folders with no roster row, and roster rows with no folder."""

    unknown_folders: list[str] = field(default_factory=list)
    missing_folders: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every folder has a student and every student a folder."""
        return not (self.unknown_folders or self.missing_folders)

    def lines(self) -> list[str]:
        """What the summary prints, one problem per line."""
        return [
            *(f"folder {name!r} has no row in the roster" for name in self.unknown_folders),
            *(f"roster student {name!r} has no submission folder" for name in self.missing_folders),
        ]


def read_roster(path: Path) -> dict[str, Student]:
    """The roster CSV, by folder name; other columns are ignored.

    Raises ``ValueError`` naming the missing columns, or a folder listed twice.
    """
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(ROSTER_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(
                f"{path}: expected the columns {','.join(ROSTER_COLUMNS)}; "
                f"missing {', '.join(sorted(missing))} (found {reader.fieldnames})"
            )
        students: dict[str, Student] = {}
        for row in reader:
            student = Student(*((row[column] or "").strip() for column in ROSTER_COLUMNS))
            if student.folder in students:
                raise ValueError(f"{path}: folder {student.folder!r} is listed twice")
            if student.folder:
                students[student.folder] = student
    return students


def check_roster(folders: list[str], roster: dict[str, Student]) -> RosterCheck:
    """Which folders the roster does not know, and which students sent no folder."""
    return RosterCheck(sorted(set(folders) - set(roster)), sorted(set(roster) - set(folders)))


def late_work(
    students: list[StudentResult],
    submissions: Path,
    policy: LatePolicy | None,
    times: dict[str, datetime] | None = None,
) -> dict[str, Lateness]:
    """Each student's submission time, days late and final score, by folder."""
    result = {}
    for student in students:
        raw = student.report.score if student.report else 0.0
        submitted, source = submission_time(submissions / student.student, times)
        result[student.student] = apply_policy(raw, submitted, source, policy)
    return result


def _points(value: float) -> str:
    return f"{value:g}"


def extend_gradebook(
    path: Path, lateness: dict[str, Lateness], roster: dict[str, Student] | None
) -> None:
    """Add the name, email and late-work columns to the gradebook ``path`` already holds."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    header = list(rows[0])
    added = ["name", "email", *next(iter(lateness.values())).row()]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [*header, *added])
        writer.writeheader()
        # the gradebook shows each folder's name made safe (spreadsheet_cell): map it back
        folders = {spreadsheet_cell(folder): folder for folder in lateness}
        for row in rows:
            folder = folders[row["student"]]
            known = (roster or {}).get(folder)
            extra = {"name": known.name if known else "", "email": known.email if known else ""}
            writer.writerow({**row, **extra, **lateness[folder].row()})


def write_lateness(out: Path, lateness: dict[str, Lateness]) -> None:
    """``out/lateness/<folder>.json``: each student's late-work record."""
    (out / "lateness").mkdir(parents=True, exist_ok=True)
    for folder, late in lateness.items():
        (out / "lateness" / f"{folder}.json").write_text(json.dumps(late.row(), indent=2) + "\n")


def write_canvas(
    path: Path,
    roster: dict[str, Student],
    finals: dict[str, float],
    max_score: float,
    assignment: str,
) -> None:
    """Canvas's gradebook import CSV: the students' columns, then the assignment's."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_COLUMNS, assignment])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", _points(max_score)])
        for folder in sorted(roster):
            student = roster[folder]
            score = _points(finals[folder]) if folder in finals else ""
            writer.writerow([student.name, student.lms_id, student.sis_id, "", "", score])


def write_moodle(
    path: Path, roster: dict[str, Student], finals: dict[str, float], assignment: str
) -> None:
    """Moodle's grade import CSV: email and ID number to map users, then the grade item."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*MOODLE_COLUMNS, assignment])
        for folder in sorted(roster):
            student = roster[folder]
            score = _points(finals[folder]) if folder in finals else ""
            writer.writerow([student.email, student.sis_id, student.name, score])


def finish_class(
    students: list[StudentResult],
    submissions: Path,
    out: Path,
    roster: dict[str, Student] | None = None,
    policy: LatePolicy | None = None,
    times: dict[str, datetime] | None = None,
    assignment: str = DEFAULT_ASSIGNMENT,
) -> RosterCheck:
    """Late work in every output, and (with a roster) the Canvas and Moodle files."""
    lateness = late_work(students, submissions, policy, times)
    extend_gradebook(out / "gradebook.csv", lateness, roster)
    write_lateness(out, lateness)
    if roster is None:
        return RosterCheck()
    finals = {folder: late.final for folder, late in lateness.items()}
    max_score = max((s.report.max_score for s in students if s.report), default=0.0)
    write_canvas(out / CANVAS_FILE, roster, finals, max_score, assignment)
    write_moodle(out / MOODLE_FILE, roster, finals, assignment)
    return check_roster([student.student for student in students], roster)


def print_late_work(out: Path) -> None:
    """One line per late student, and the students whose time is unknown."""
    for path in sorted((out / "lateness").glob("*.json")):
        late = json.loads(path.read_text())
        if late["days late"] != "0":
            print(
                f"late: {path.stem}: submitted {late['submitted']} ({late['time from']}), "
                f"{late['days late']} day(s), {late['raw score']} -> {late['final score']}"
            )
        elif not late["submitted"]:
            print(f"late: {path.stem}: no submission time found, no penalty applied")


def policy_from_options(args: argparse.Namespace) -> LatePolicy | None:
    """The late policy of ``--late-policy FILE``, or of ``--deadline`` and its options."""
    if args.late_policy:
        return LatePolicy.from_file(args.late_policy)
    if args.deadline:
        return LatePolicy.from_options(args.deadline, args.late_penalty, args.late_cap, args.grace)
    return None


def check_options(args: argparse.Namespace) -> None:
    """Read the roster, policy, times and boilerplate before grading: a typo fails at once."""
    if args.roster:
        read_roster(args.roster)
    if args.times:
        read_times(args.times)
    policy_from_options(args)
    if not args.no_similarity:
        from lesson_pkg.grading.front.similarity import boilerplate_files

        boilerplate_files(args.course)


def finish_from_options(args: argparse.Namespace, students: list[StudentResult]) -> int:
    """``grade-class``'s last steps; the exit status: 1 when the roster does not match."""
    roster = read_roster(args.roster) if args.roster else None
    times = read_times(args.times) if args.times else None
    policy = policy_from_options(args)
    check = finish_class(
        students,
        args.submissions,
        args.out,
        roster,
        policy,
        times,
        args.assignment or DEFAULT_ASSIGNMENT,
    )
    if policy is not None:
        print_late_work(args.out)
    if roster is not None:
        print(f"Canvas: {args.out / CANVAS_FILE}, Moodle: {args.out / MOODLE_FILE}")
    if not args.no_similarity:
        from lesson_pkg.grading.front.similarity import report_class

        report_class(args.submissions, args.out, args.course)
    for line in check.lines():
        print(f"roster mismatch: {line}", file=sys.stderr)
    return 0 if check.ok else 1
