"""From grades to the gradebook: the roster, late work, and Canvas's and Moodle's files."""

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from submissions import ROOT, write_submission

from lesson_pkg.grading.core.results import Report, TestResult
from lesson_pkg.grading.exercises import cases_for
from lesson_pkg.grading.front import gradebooks, lateness
from lesson_pkg.grading.front.class_grading import StudentResult, write_gradebook

CASES = cases_for()

TOTAL = sum(case.points for case in CASES)
DEADLINE = datetime(2026, 10, 1, 23, 59, tzinfo=UTC)
CLASS = 20
# three late: 1 h late (1 day), 30 h late (2 days), 10 days late (capped at 50%)
LATE = {"s03": timedelta(hours=1), "s07": timedelta(hours=30), "s11": timedelta(days=10)}


def _report(failed: int) -> Report:
    """A report whose first ``failed`` tests failed."""
    tests = []
    for index, case in enumerate(CASES):
        test = TestResult(case.function, case.title, case.points)
        test.record(index >= failed, "wrong" if index < failed else "")
        tests.append(test)
    return Report(tests)


def _write_roster(path: Path, folders: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["folder", "name", "email", "lms_id", "sis_id", "notes"])
        for index, folder in enumerate(folders):
            writer.writerow(
                [folder, f"Student {index}", f"{folder}@school.example", 1000 + index,
                 f"SIS{index:04d}", "ignored"]
            )  # fmt: skip
    return path


@pytest.fixture
def graded_class(tmp_path):
    """20 students graded (reports built directly), with submission times on disk."""
    submissions, out = tmp_path / "submissions", tmp_path / "results"
    students = []
    for index in range(CLASS):
        folder = f"s{index:02d}"
        (submissions / folder).mkdir(parents=True)
        created = DEADLINE + LATE.get(folder, -timedelta(hours=index + 1))
        metadata = {"id": index, "created_at": created.isoformat()}
        (submissions / folder / lateness.GRADESCOPE_METADATA).write_text(json.dumps(metadata))
        students.append(StudentResult(folder, _report(index % 4), "graded"))
    out.mkdir()
    write_gradebook(students, out / "gradebook.csv")
    roster = gradebooks.read_roster(
        _write_roster(tmp_path / "roster.csv", [s.student for s in students])
    )
    return students, submissions, out, roster


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_late_days_and_penalties_follow_the_policy(graded_class):
    students, submissions, out, roster = graded_class
    policy = lateness.LatePolicy.from_options(DEADLINE.isoformat(), "10%/day", "50%", "15m")
    check = gradebooks.finish_class(students, submissions, out, roster, policy)
    assert check.ok
    with (out / "gradebook.csv").open() as handle:
        book = {row["student"]: row for row in csv.DictReader(handle)}
    assert len(book) == CLASS
    expected = {"s03": (1, 0.1), "s07": (2, 0.2), "s11": (10, 0.5)}
    for folder, row in book.items():
        days, penalty = expected.get(folder, (0, 0.0))
        raw = TOTAL - sum(c.points for c in CASES[: int(folder[1:]) % 4])
        assert row["raw score"] == f"{raw:g}" and row["total"] == f"{raw:g}"
        assert row["days late"] == str(days), folder
        assert float(row["final score"]) == pytest.approx(raw * (1 - penalty))
        assert row["time from"] == "gradescope" and row["submitted"]
        assert row["name"] == roster[folder].name and row["email"] == roster[folder].email
    late = json.loads((out / "lateness" / "s07.json").read_text())
    assert late["days late"] == "2" and late["penalty"] == "20%"


def test_canvas_file_follows_canvas_import_format(graded_class):
    students, submissions, out, roster = graded_class
    policy = lateness.LatePolicy.from_options(DEADLINE.isoformat(), "10%/day")
    gradebooks.finish_class(students, submissions, out, roster, policy, assignment="HW 1")
    rows = _rows(out / gradebooks.CANVAS_FILE)
    # Canvas: Student, ID, SIS User ID, SIS Login ID, Section, then the assignments
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW 1"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == TOTAL
    assert len(rows) == 2 + CLASS and all(len(row) == 6 for row in rows)
    by_id = {row[1]: row for row in rows[2:]}
    for student in roster.values():
        row = by_id[student.lms_id]
        assert row[0] == student.name and row[2] == student.sis_id
        assert 0 <= float(row[5]) <= TOTAL
    s03 = by_id[roster["s03"].lms_id]
    raw = TOTAL - sum(c.points for c in CASES[:3])
    assert float(s03[5]) == pytest.approx(raw * 0.9)


def test_moodle_file_maps_users_by_email_or_id_number(graded_class):
    students, submissions, out, roster = graded_class
    gradebooks.finish_class(students, submissions, out, roster, None, assignment="HW 1")
    rows = _rows(out / gradebooks.MOODLE_FILE)
    assert rows[0] == ["Email address", "ID number", "Full name", "HW 1"]
    assert len(rows) == 1 + CLASS
    emails = {row[0]: row for row in rows[1:]}
    for folder, student in roster.items():
        row = emails[student.email]
        assert row[1] == student.sis_id
        assert float(row[3]) == float(next(s.report.score for s in students if s.student == folder))


def test_a_roster_mismatch_is_listed(graded_class, tmp_path):
    students, submissions, out, _ = graded_class
    folders = [s.student for s in students]
    roster = gradebooks.read_roster(_write_roster(tmp_path / "other.csv", [*folders[1:], "ghost"]))
    check = gradebooks.finish_class(students, submissions, out, roster)
    assert not check.ok
    assert check.unknown_folders == ["s00"] and check.missing_folders == ["ghost"]
    assert any("ghost" in line for line in check.lines())
    canvas = _rows(out / gradebooks.CANVAS_FILE)
    ghost = next(row for row in canvas if row[0] == roster["ghost"].name)
    assert ghost[5] == ""  # no submission: left blank, never a silent zero


def test_a_roster_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("folder,name\nalice,Alice\n")
    with pytest.raises(ValueError, match="email, lms_id, sis_id"):
        gradebooks.read_roster(path)


def test_times_come_from_the_documented_sources_in_order(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    times = {"alice": DEADLINE}
    assert lateness.submission_time(folder, times) == (DEADLINE, "times")
    _commit(folder, "2026-09-30T10:00:00+00:00")
    assert lateness.submission_time(folder, times) == (
        datetime(2026, 9, 30, 10, tzinfo=UTC),
        "git",
    )
    (folder / "result.json").write_text(json.dumps({"datetime": "2026-09-29T08:00:00Z"}))
    assert lateness.submission_time(folder, times)[1] == "classroom50"
    (folder / "submission_metadata.json").write_text(
        json.dumps({"created_at": "2026-09-28T14:22:32.365935-07:00"})
    )
    found, source = lateness.submission_time(folder, times)
    assert source == "gradescope" and found == datetime(2026, 9, 28, 21, 22, 32, 365935, UTC)


def _commit(folder: Path, when: str) -> None:
    environment = {
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "s",
        "GIT_AUTHOR_EMAIL": "s@example.com",
        "GIT_COMMITTER_NAME": "s",
        "GIT_COMMITTER_EMAIL": "s@example.com",
        "PATH": "/usr/bin:/bin",
    }
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", "-C", str(folder), *command], env=environment, check=True)


@pytest.mark.parametrize(
    ("late", "days", "penalty"),
    [
        (timedelta(minutes=10), 0, 0.0),  # within the grace period
        (timedelta(minutes=20), 1, 0.1),  # past it: one started day
        (timedelta(days=1), 1, 0.1),
        (timedelta(days=1, seconds=1), 2, 0.2),
        (timedelta(days=9), 9, 0.5),  # the cap
        (-timedelta(days=3), 0, 0.0),
    ],
)
def test_the_policy_counts_started_days_after_the_grace_period(late, days, penalty):
    policy = lateness.LatePolicy(DEADLINE, 0.1, 0.5, timedelta(minutes=15))
    result = lateness.apply_policy(40.0, DEADLINE + late, "git", policy)
    assert (result.days_late, result.penalty) == (days, penalty)
    assert result.final == pytest.approx(40 * (1 - penalty))


def test_a_policy_file_and_bad_options(tmp_path):
    path = tmp_path / "late.toml"
    path.write_text('deadline = "2026-10-01T23:59:00Z"\npenalty = "5%/day"\ngrace = "2h"\n')
    policy = lateness.LatePolicy.from_file(path)
    assert policy == lateness.LatePolicy(DEADLINE, 0.05, 1.0, timedelta(hours=2))
    with pytest.raises(ValueError, match="UTC offset"):
        lateness.parse_time("2026-10-01T23:59:00")
    with pytest.raises(ValueError, match="10%/day"):
        lateness.parse_fraction("ten")
    with pytest.raises(ValueError, match="15m"):
        lateness.parse_duration("soon")


def test_a_regrade_keeps_the_lateness(graded_class):
    students, submissions, _, _ = graded_class
    policy = lateness.LatePolicy.from_options(DEADLINE.isoformat(), "10%/day")
    first = gradebooks.late_work(students, submissions, policy)
    regraded = [StudentResult(s.student, _report(0), "graded") for s in students]
    second = gradebooks.late_work(regraded, submissions, policy)
    for folder in first:
        assert first[folder].submitted == second[folder].submitted
        assert first[folder].days_late == second[folder].days_late


def test_grade_class_writes_every_gradebook_and_exits_non_zero_on_a_mismatch(tmp_path):
    """Real grading of a small class: a roster with a ghost, one student late by git."""
    submissions, out = tmp_path / "submissions", tmp_path / "results"
    write_submission([], submissions / "ada")
    write_submission([], submissions / "bob" / "exercises")  # nested one folder down
    _commit(submissions / "bob", "2026-10-03T12:00:00+00:00")
    roster = _write_roster(tmp_path / "roster.csv", ["ada", "bob", "ghost"])
    times = tmp_path / "times.csv"
    times.write_text("folder,time\nada,2026-10-01T20:00:00Z\n")
    completed = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--class", str(submissions),
         "--out", str(out), "--jobs", "2", "--roster", str(roster), "--times", str(times),
         "--deadline", DEADLINE.isoformat(), "--late-penalty", "10%/day",
         "--assignment", "HW 1"],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    assert "roster student 'ghost' has no submission folder" in completed.stderr
    assert f"late: bob: submitted 2026-10-03T12:00:00+00:00 (git), 2 day(s), {TOTAL} ->" in (
        completed.stdout
    )
    with (out / "gradebook.csv").open() as handle:
        book = {row["student"]: row for row in csv.DictReader(handle)}
    assert book["ada"]["total"] == book["bob"]["total"] == str(TOTAL)
    assert book["ada"]["days late"] == "0" and book["ada"]["time from"] == "times"
    assert book["bob"]["days late"] == "2" and book["bob"]["time from"] == "git"
    assert float(book["bob"]["final score"]) == pytest.approx(TOTAL * 0.8)
    canvas = _rows(out / gradebooks.CANVAS_FILE)
    assert [row[5] for row in canvas[2:]] == [f"{TOTAL:g}", f"{TOTAL * 0.8:g}", ""]
    assert (out / "similarity.csv").exists() and (out / "similarity.html").exists()
