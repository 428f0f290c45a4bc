"""A classic mistake: one wrong implementation of a graded function, and its hint.

One list serves two purposes. When a submission's result is wrong, the grader runs each
known mistake on the same inputs; if the submission's result equals one of them, the
message names the mistake, as a teaching assistant would. And the test suite grades
each mistake as if it were a submission, to prove that every one of them loses points.

The mistakes themselves live with their exercise (:mod:`lesson_pkg.grading.exercises`),
each hint written on the line above its wrong code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation of ``function`` and the hint a student should read."""

    function: str
    hint: str
    implementation: Callable

    @property
    def id(self) -> str:
        """A stable name for reports: the wrong implementation's own name."""
        return self.implementation.__name__
