"""Classroom 50's ``result.json`` (``lesson grade --classroom50 PATH``).

Classroom 50, GitHub Classroom's successor, grades in each student's repository with
GitHub Actions: its runner calls the classroom's ``autograder.py`` in the student's
checkout, with ``CLASSROOM``, ``ASSIGNMENT``, ``SUBMISSION_TAG``, ``OWNER``/``USERNAME``,
``ASSIGNMENT_TYPE``, ``COMMIT_URL``, ``RELEASE_URL`` and ``REVIEW_URL`` in the environment,
and reads ``./result.json``. Its contract (foundation50/classroom50 wiki, "Advanced
Autograding", "The result.json contract"):

- ``schema``: exactly ``classroom50/result/v1``; ``classroom``, ``assignment``,
  ``assignment_type`` (``individual`` or ``group``), ``owner``, ``submission`` (the
  submit-tag name), ``commit``/``release``/``review`` (URLs): strings;
- ``datetime``: "the submission instant: the graded commit's committer date (UTC ISO
  8601). Invariant across regrades"; ``graded_at`` (optional): when this run graded;
- ``score`` / ``max-score``: integers, the sums of the tests';
- ``tests``: ``test-name``, ``passed``, ``score``, ``max-score``; "extra diagnostic fields
  on a test are preserved verbatim" (we add ``output``, the student's message).

:data:`RESULT_SCHEMA` is that contract as a JSON Schema; the tests validate our output
against it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lesson_pkg.grading.core.results import Report
from lesson_pkg.grading.front.lateness import last_commit_time, parse_time, utc_text

SCHEMA_ID = "classroom50/result/v1"
UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
# (result field, environment variable) as the wiki's templates read them
ENVIRONMENT = (
    ("classroom", "CLASSROOM"),
    ("assignment", "ASSIGNMENT"),
    ("submission", "SUBMISSION_TAG"),
    ("commit", "COMMIT_URL"),
    ("release", "RELEASE_URL"),
)

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "classroom50/result/v1",
    "title": "Classroom 50 result.json (wiki: Advanced Autograding)",
    "type": "object",
    "required": [
        "schema",
        "classroom",
        "assignment",
        "submission",
        "commit",
        "release",
        "review",
        "datetime",
        "score",
        "max-score",
        "tests",
    ],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "classroom": {"type": "string", "minLength": 1},
        "assignment": {"type": "string", "minLength": 1},
        "assignment_type": {"enum": ["individual", "group"]},
        "owner": {"type": "string", "minLength": 1},
        "submission": {"type": "string", "minLength": 1},
        "commit": {"type": "string", "minLength": 1},
        "release": {"type": "string", "minLength": 1},
        "review": {"type": "string", "minLength": 1},
        "datetime": {"type": "string", "pattern": UTC_PATTERN},
        "graded_at": {"type": "string", "pattern": UTC_PATTERN},
        "score": {"type": "integer", "minimum": 0},
        "max-score": {"type": "integer", "minimum": 0},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["test-name", "passed", "score", "max-score"],
                "properties": {
                    "test-name": {"type": "string", "minLength": 1},
                    "passed": {"type": "boolean"},
                    "score": {"type": "integer", "minimum": 0},
                    "max-score": {"type": "integer", "minimum": 0},
                },
            },
        },
        "submitted_by": {
            "type": "object",
            "properties": {
                "username": {"type": "string"},
                "id": {"type": ["integer", "string", "null"]},
            },
        },
    },
}


def _integer(points: float) -> int:
    """Points as the integer the schema requires (our points are whole numbers)."""
    if points != int(points):
        raise ValueError(f"Classroom 50 scores are integers; received {points}")
    return int(points)


def graded_commit_time(target: Path, environment: Mapping[str, str]) -> datetime:
    """The committer date of the graded commit: the checkout's ``HEAD``.

    ``SUBMISSION_DATETIME`` (ISO 8601) overrides it, for a checkout without history.
    """
    if environment.get("SUBMISSION_DATETIME"):
        return parse_time(environment["SUBMISSION_DATETIME"])
    found = last_commit_time(target)
    if found is None:
        raise ValueError(
            f"{target} is not in a git checkout: Classroom 50's datetime is the graded "
            "commit's date (set SUBMISSION_DATETIME to give it otherwise)"
        )
    return found


def to_classroom50(
    report: Report,
    target: Path,
    environment: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The ``result.json`` of ``report`` for the submission checked out in ``target``."""
    environment = os.environ if environment is None else environment
    result: dict[str, Any] = {"schema": SCHEMA_ID}
    for key, variable in ENVIRONMENT:
        result[key] = environment.get(variable) or f"unknown-{key}"
    result["review"] = environment.get("REVIEW_URL") or result["commit"]
    owner = environment.get("OWNER") or environment.get("USERNAME")
    if owner:
        result["owner"] = owner
    if environment.get("ASSIGNMENT_TYPE") in ("individual", "group"):
        result["assignment_type"] = environment["ASSIGNMENT_TYPE"]
    result["datetime"] = utc_text(graded_commit_time(target, environment))
    result["graded_at"] = utc_text(now or datetime.now(timezone.utc))
    tests = [
        {
            "test-name": test.name,
            "passed": test.passed,
            "score": _integer(test.score),
            "max-score": _integer(test.max_score),
            "output": test.message,
        }
        for test in report.tests
    ]
    result["score"] = sum(test["score"] for test in tests)
    result["max-score"] = sum(test["max-score"] for test in tests)
    result["tests"] = tests
    return result
