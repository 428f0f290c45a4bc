"""Grading a class: a gradebook, per-student reports and a summary, whatever the students did."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from submissions import ROOT, write_submission

from lesson_pkg.grading.exercises import cases_for, mistakes_for

STUBS = Path(os.environ["LESSON_PKG_EXERCISES"])  # generated stubs, never a learner's (conftest.py)

CASES = cases_for()
TOTAL = sum(case.points for case in CASES)
PERCENT_MISTAKE = next(m for m in mistakes_for() if m.id == "accuracy_in_percent")
POINTS = {
    function: sum(case.points for case in CASES if case.function == function)
    for function in {case.function for case in CASES}
}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    submissions, out = folder / "submissions", folder / "results"
    write_submission([], submissions / "ada")
    for name in ("bob", "cy"):
        write_submission([PERCENT_MISTAKE], submissions / name)
    shutil.copytree(STUBS, submissions / "dee")  # untouched stubs
    write_submission([], submissions / "eve")
    (submissions / "eve" / "ex02_epochs.py").unlink()
    shutil.copytree(ROOT / "tests" / "grader_fixtures" / "tampered", submissions / "mallory")
    (submissions / "notes.txt").write_text("not a student folder")
    completed = _grade_class(submissions, out)
    return submissions, out, completed


def _grade_class(submissions, out, *options):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.grade",
            "--class",
            str(submissions),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--time-limit",
            "5",
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )


def _gradebook(out):
    with (out / "gradebook.csv").open() as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_every_student_gets_a_row_a_report_and_a_reason(graded_class):
    _, out, completed = graded_class
    assert completed.returncode == 0, completed.stderr
    book = _gradebook(out)
    assert sorted(book) == ["ada", "bob", "cy", "dee", "eve", "mallory"]
    assert book["ada"]["total"] == str(TOTAL) and book["ada"]["status"] == "graded"
    assert book["bob"]["accuracy"] == "0"
    assert int(book["bob"]["total"]) == TOTAL - POINTS["accuracy"]
    assert book["dee"]["total"] == "0"
    assert "ex02_epochs.py could not be imported: it is missing" in book["eve"]["status"]
    assert book["eve"]["steps_per_epoch"] == "0"
    assert book["eve"]["mse_loss"] == str(POINTS["mse_loss"])
    assert book["mallory"]["binary_accuracy"] == str(POINTS["binary_accuracy"])
    assert book["mallory"]["mse_loss"] == "0"
    assert "exit(0)" in book["mallory"]["status"]
    for student in book:
        report = json.loads((out / "students" / student / "results.json").read_text())
        assert report["score"] == float(book[student]["total"])
        assert "Isolation: bubblewrap" in report["output"] or "unprivileged" in report["output"]
    assert "6/6" in completed.stderr  # progress reached the end


def test_the_summary_names_what_to_reteach(graded_class):
    _, out, _ = graded_class
    with (out / "summary.csv").open() as handle:
        rows = {row["test"]: row for row in csv.DictReader(handle)}
    example = rows["accuracy: [1, 0, 2, 1] vs [1, 0, 2, 0] is 0.75"]
    assert int(example["failed"]) == 4  # bob, cy, dee, mallory
    assert example["most common mistake"] == PERCENT_MISTAKE.hint
    assert example["students with it"] == "2"


def test_a_second_run_skips_graded_students_unless_forced(graded_class):
    submissions, out, _ = graded_class
    report = out / "students" / "ada" / "results.json"
    stamp = report.stat().st_mtime_ns
    again = _grade_class(submissions, out)
    assert again.returncode == 0 and report.stat().st_mtime_ns == stamp
    assert "0 students" not in again.stdout and "6 students" in again.stdout
    forced = _grade_class(submissions, out, "--force")
    assert forced.returncode == 0 and report.stat().st_mtime_ns != stamp
