"""What a room accepts: the exercise functions and their named mistakes, from the grader.

The lists are the grader's own (:data:`lesson_pkg.grading.core.cases.EXERCISE_FILES` and
:data:`lesson_pkg.grading.core.mistakes.MISTAKES`), so a new exercise or mistake reaches
the room without being written down twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """One exercise function: its file, and its named mistakes' hints by id."""

    function: str
    exercise: str
    hints: dict[str, str]


def catalogue() -> dict[str, Known]:
    """Every graded function, in the order the exercises list them.

    >>> catalogue()["mse_loss"].exercise
    'ex01_losses'
    >>> "mse_sum_instead_of_mean" in catalogue()["mse_loss"].hints
    True
    """
    from lesson_pkg.grading.core.cases import FILE_OF
    from lesson_pkg.grading.core.mistakes import mistakes_for

    return {
        function: Known(
            function, exercise, {mistake.id: mistake.hint for mistake in mistakes_for(function)}
        )
        for function, exercise in FILE_OF.items()
    }
