"""Graders of ex01_losses.py: each case is one test, worth its points."""

import pytest

from lesson_pkg.grading.cases import cases_for
from lesson_pkg.grading.engine import grade_case

CASES = [
    pytest.param(case, marks=pytest.mark.points(case.points), id=case.name)
    for case in cases_for("ex01_losses")
]


@pytest.mark.parametrize("case", CASES)
def test_ex01_losses(case, submission):
    result = grade_case(case, submission)
    assert result.passed, result.message
