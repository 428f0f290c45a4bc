"""What a room accepts: the exercise functions and their named mistakes, from the grader.

The lists are the grader's own (:mod:`lesson_pkg.grading.exercises`: each graded
function and its mistakes), so a new exercise or mistake reaches the room without being
written down twice.
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
    from lesson_pkg.grading.exercises import graded_functions

    return {
        function.name: Known(
            function.name,
            function.file,
            {mistake.id: mistake.hint for mistake in function.mistakes},
        )
        for function in graded_functions()
    }
