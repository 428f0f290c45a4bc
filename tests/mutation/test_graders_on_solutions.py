"""The graders as a test suite for the reference answers in ``solutions/``.

Every grading case must pass on the solutions. Mutation testing (``make mutation``) runs
this module against altered copies of the solutions: a grading case that fails on an
alteration "kills" it, and a surviving alteration is a wrong answer the graders would
accept. Grading runs in this process (no sandbox), which is what makes one run per
mutant affordable; forbidden built-ins are blocked here as in the sandbox.

Not part of ``make test`` (``--ignore=tests/mutation`` in pyproject.toml's addopts).
"""

import importlib

import pytest

from lesson_pkg.grading.core.cases import Case, InProcessSubmission
from lesson_pkg.grading.core.engine import grade_case
from lesson_pkg.grading.exercises import cases_for, file_of


def _solution(function: str):
    module = importlib.import_module(f"solutions.{file_of(function)}")
    return getattr(module, function)


def _test_id(case: Case) -> str:
    """The case's name in ASCII: mutmut selects tests by node id, and pytest escapes "±"."""
    return case.name.replace("±", "+-").encode("ascii", "replace").decode()


@pytest.mark.parametrize("case", cases_for(), ids=_test_id)
def test_solution_passes(case: Case) -> None:
    submission = InProcessSubmission({case.function: _solution(case.function)})
    result = grade_case(case, submission)
    assert result.passed, result.message
