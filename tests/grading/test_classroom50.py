"""Classroom 50's result.json: it validates against the schema from its wiki, and its
``datetime`` (the graded commit's date) stays the same when the submission is regraded."""

import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest
from submissions import ROOT

from lesson_pkg.grading.core.results import Report, TestResult
from lesson_pkg.grading.exercises import cases_for
from lesson_pkg.grading.front.classroom50 import RESULT_SCHEMA, to_classroom50

CASES = cases_for()

TOTAL = sum(case.points for case in CASES)
COMMITTED = "2026-10-01T21:30:00+02:00"
RUNNER = {
    "CLASSROOM": "loss-2026",
    "ASSIGNMENT": "hw1",
    "SUBMISSION_TAG": "submit/2026-10-01T19-30-05Z-a1b2c3d",
    "OWNER": "alice",
    "ASSIGNMENT_TYPE": "individual",
    "COMMIT_URL": "https://github.com/org/hw1-alice/commit/a1b2c3d",
    "RELEASE_URL": "https://github.com/org/hw1-alice/releases/tag/submit%2F2026",
}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A student's repository: the solutions, committed at ``COMMITTED``."""
    folder = tmp_path_factory.mktemp("repo") / "hw1-alice"
    shutil.copytree(ROOT / "solutions", folder / "exercises")
    environment = {
        "GIT_AUTHOR_DATE": COMMITTED, "GIT_COMMITTER_DATE": COMMITTED,
        "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.com",
        "PATH": "/usr/bin:/bin",
    }  # fmt: skip
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "done"]):
        subprocess.run(["git", "-C", str(folder), *command], env=environment, check=True)
    return folder


def _grade(checkout, out):
    completed = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--target", str(checkout),
         "--classroom50", str(out), "--isolation", "none"],
        capture_output=True, text=True, cwd=checkout, timeout=600,
        env={**RUNNER, "PATH": "/usr/bin:/bin", "HOME": str(checkout.parent)},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return json.loads(out.read_text())


def test_the_result_validates_and_a_regrade_keeps_its_datetime(checkout, tmp_path):
    first = _grade(checkout, tmp_path / "first.json")
    jsonschema.validate(first, RESULT_SCHEMA)
    assert first["schema"] == "classroom50/result/v1"
    assert first["datetime"] == "2026-10-01T19:30:00Z"  # the commit's instant, in UTC
    assert first["score"] == first["max-score"] == TOTAL
    assert first["owner"] == "alice" and first["classroom"] == "loss-2026"
    assert first["review"] == RUNNER["COMMIT_URL"]  # no REVIEW_URL: the commit, as the wiki does
    functions = {test["test-name"].split(":")[0] for test in first["tests"]}
    assert functions == {case.function for case in CASES}  # every graded function
    second = _grade(checkout, tmp_path / "second.json")
    jsonschema.validate(second, RESULT_SCHEMA)
    assert second["datetime"] == first["datetime"]
    assert second["graded_at"] >= first["graded_at"]


def test_the_schema_rejects_what_the_wiki_forbids(checkout):
    report = Report([TestResult("mse_loss", "3.0 vs 2.0 gives 1.0", 1, 0.0, "wrong")])
    result = to_classroom50(report, checkout, RUNNER)
    jsonschema.validate(result, RESULT_SCHEMA)
    assert result["tests"][0]["passed"] is False and result["tests"][0]["output"] == "wrong"
    for broken in (
        {**result, "schema": "classroom50/result/v2"},
        {**result, "score": 1.5},
        {**result, "datetime": "2026-10-01 19:30"},
        {key: value for key, value in result.items() if key != "commit"},
        {**result, "tests": [{"test-name": "x", "passed": "yes", "score": 0, "max-score": 1}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, RESULT_SCHEMA)


def test_without_a_commit_the_datetime_must_be_given(tmp_path):
    with pytest.raises(ValueError, match="not in a git checkout"):
        to_classroom50(Report(), tmp_path, RUNNER)
    given = to_classroom50(Report(), tmp_path, {**RUNNER, "SUBMISSION_DATETIME": COMMITTED})
    assert given["datetime"] == "2026-10-01T19:30:00Z"


def test_the_guides_autograder_writes_a_valid_result_in_a_checkout(checkout):
    """docs/classroom50/autograder.py, run as Classroom 50's runner runs it."""
    result = checkout / "result.json"
    result.unlink(missing_ok=True)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "classroom50" / "autograder.py")],
        capture_output=True, text=True, cwd=checkout, timeout=600,
        env={**os.environ, **RUNNER},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    written = json.loads(result.read_text())
    jsonschema.validate(written, RESULT_SCHEMA)
    assert written["score"] == TOTAL and written["datetime"] == "2026-10-01T19:30:00Z"
