"""The exercises the grader knows: one module per exercise file, found by name.

Each module ``exNN_topic.py`` here declares ``EXERCISE``, an
:class:`~lesson_pkg.grading.core.cases.Exercise`: its graded functions, each with its
reference, cases, classic mistakes and forbidden built-ins. Adding an exercise is adding
one such module (and its ``solutions/`` file); everything below reads :data:`EXERCISES`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from typing import Any

from lesson_pkg.grading.core.cases import Case, Exercise, GradedFunction
from lesson_pkg.grading.core.mistakes import Mistake

EXERCISE_MODULE = re.compile(r"ex\d\d_\w+")


def discover(folders: Iterable[str] | None = None) -> list[Exercise]:
    """The ``EXERCISE`` of every ``exNN_*`` module in this package, in file order.

    ``folders`` defaults to the package's own ``__path__``.
    """
    names = sorted(
        module.name
        for module in pkgutil.iter_modules(list(folders or __path__))
        if EXERCISE_MODULE.fullmatch(module.name)
    )
    return [importlib.import_module(f"{__name__}.{name}").EXERCISE for name in names]


EXERCISES: list[Exercise] = discover()


def exercise_files() -> list[str]:
    """The exercise files' names, without ``.py``: ``["ex01_losses", ...]``."""
    return [exercise.file for exercise in EXERCISES]


def graded_functions() -> list[GradedFunction]:
    """Every graded function, file by file."""
    return [function for exercise in EXERCISES for function in exercise.functions]


def graded(name: str) -> GradedFunction:
    """The graded function ``name``; ValueError naming the exercises when there is none."""
    for function in graded_functions():
        if function.name == name:
            return function
    names = sorted(function.name for function in graded_functions())
    raise ValueError(f"{name!r} is not an exercise; the exercises are {names}")


def is_graded(name: str) -> bool:
    """Whether ``name`` is a graded function."""
    return any(function.name == name for function in graded_functions())


def file_of(name: str) -> str:
    """The exercise file defining the graded function ``name``: ``"ex01_losses"``."""
    return graded(name).file


def reference(name: str) -> Callable[..., Any]:
    """The course's reference for the graded function ``name``."""
    return graded(name).reference


def cases_for(file: str | None = None, function: str | None = None) -> list[Case]:
    """Every case in grading order, or those of one exercise file or one function."""
    return [
        case
        for graded_function in graded_functions()
        for case in graded_function.cases
        if (file is None or case.file == file) and (function is None or case.function == function)
    ]


def mistakes_for(function: str | None = None) -> list[Mistake]:
    """The classic mistakes of one graded function (or all), most common first."""
    return [
        mistake
        for graded_function in graded_functions()
        for mistake in graded_function.mistakes
        if function is None or mistake.function == function
    ]


def every_forbidden() -> tuple[str, ...]:
    """Every built-in some exercise forbids: blocked while a submission's files import."""
    return tuple(sorted({name for function in graded_functions() for name in function.forbidden}))
