"""The exercise is the grader's unit: the machinery names none, and one module adds one.

``grading/core`` (cases, comparisons, results) and ``grading/runner`` (the sandbox) must
work for any exercise: they may not name a function the course grades. And a new
exercise, declared by one module of ``grading/exercises`` beside its solution, is graded
end to end by the real grader, in the sandbox, with its own forbidden built-in.
"""

import ast
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from submissions import MODES, ROOT

from lesson_pkg.grading import exercises
from lesson_pkg.grading.front.folder import grade_folder
from lesson_pkg.grading.runner import isolation

MACHINERY = ("lesson_pkg/grading/core", "lesson_pkg/grading/runner")


def _solution_functions() -> set[str]:
    """Every function ``solutions/`` defines, at any depth."""
    names = set()
    for path in (ROOT / "solutions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def _identifiers(node: ast.AST) -> list[str]:
    """The names ``node`` itself spells: a variable, attribute, definition or argument."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword):
        return [node.arg] if node.arg else []
    if isinstance(node, ast.alias):
        return [*node.name.split("."), *([node.asname] if node.asname else [])]
    return []


def _namings(path: Path, names: set[str]) -> list[str]:
    """Where ``path`` names one of ``names``: as an identifier or a whole string literal.

    Read from the syntax tree, so a name inside an f-string's braces counts too, on
    every Python version.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and node.value in names:
            found.append(f"{path.name}:{line} {node.value!r}")
        found += [f"{path.name}:{line} {name}" for name in _identifiers(node) if name in names]
    return sorted(found)


def test_the_machinery_names_no_graded_function():
    names = _solution_functions()
    assert {"mse_loss", "fit", "accuracy", "plateaued"} <= names  # the oracle is not empty
    found = [
        naming
        for folder in MACHINERY
        for path in sorted((ROOT / folder).rglob("*.py"))
        for naming in _namings(path, names)
    ]
    assert found == []


def test_the_token_reader_finds_a_naming(tmp_path):
    """The check above can fail: it sees an identifier and a whole string, not a part."""
    path = tmp_path / "sample.py"
    path.write_text('x = F.mse_loss\ny = "fit"\nz = "fitting"\nw = f"{fit}"\n')
    assert _namings(path, {"mse_loss", "fit"}) == [
        "sample.py:1 mse_loss",
        "sample.py:2 'fit'",
        "sample.py:4 fit",
    ]


TOY_GRADER = '''
"""Grading ex09_norms: the L1 norm (a toy exercise for the grader's own tests)."""

import torch

from lesson_pkg.grading.core.cases import Check, Exercise
from lesson_pkg.grading.core.inputs import pairs, vector

EXERCISE = Exercise("ex09_norms")
NORM = EXERCISE.graded("l1_norm", lambda input: input.abs().sum(), forbidden=("norm",))
NORM.case("|-1| + |2| is 3", 1, lambda: [((vector(-1.0, 2.0),), {})])
NORM.case("every rank", 2, lambda: [((first,), {}) for (first, _), _ in pairs(5)])
NORM.case("gradients", 1, lambda: [((vector(-1.0, 2.0, 0.5),), {})], Check.GRADIENT)


@NORM.mistake("take the absolute value of each element before adding them")
def l1_norm_without_abs(input):
    return input.sum()
'''
TOY_FILE = "ex09_norms"
TOY_MODULE = f"{exercises.__name__}.{TOY_FILE}"


@pytest.fixture
def toy_registry(tmp_path, monkeypatch):
    """The registry with the toy exercise added from one module in a folder of its own."""
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / f"{TOY_FILE}.py").write_text(TOY_GRADER)
    monkeypatch.setattr(exercises, "__path__", [*exercises.__path__, str(folder)])
    try:
        monkeypatch.setattr(exercises, "EXERCISES", exercises.discover())
        yield
    finally:
        sys.modules.pop(TOY_MODULE, None)


def _submission(folder: Path, l1_norm: str) -> Path:
    shutil.copytree(ROOT / "solutions", folder)
    (folder / f"{TOY_FILE}.py").write_text("import torch\n\n\n" + textwrap.dedent(l1_norm))
    return folder


@pytest.mark.parametrize("environment", MODES)
def test_a_toy_exercise_is_graded_end_to_end(
    environment, toy_registry, tmp_path, monkeypatch, request
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    isolation.bubblewrap_works.cache_clear()  # read again, under this environment
    request.addfinalizer(isolation.bubblewrap_works.cache_clear)
    assert exercises.exercise_files()[-1] == TOY_FILE
    toy_points = sum(case.points for case in exercises.cases_for(file=TOY_FILE))
    total = sum(case.points for case in exercises.cases_for())

    right = _submission(tmp_path / "right", "def l1_norm(input):\n    return input.abs().sum()\n")
    report = grade_folder(right)
    assert [test.function for test in report.tests[-3:]] == ["l1_norm"] * 3
    assert (report.score, report.max_score) == (total, total)
    assert toy_points == 4 and report.isolation

    wrong = _submission(tmp_path / "wrong", "def l1_norm(input):\n    return input.sum()\n")
    toy = [test for test in grade_folder(wrong).tests if test.function == "l1_norm"]
    assert sum(test.score for test in toy) < toy_points
    assert {test.mistake for test in toy if not test.passed} == {"l1_norm_without_abs"}
    assert all("absolute value of each element" in test.message for test in toy if not test.passed)

    builtin = _submission(
        tmp_path / "builtin", "def l1_norm(input):\n    return torch.norm(input, 1)\n"
    )
    toy = [test for test in grade_folder(builtin).tests if test.function == "l1_norm"]
    assert sum(test.score for test in toy) == 0
    assert all("implement it yourself" in test.message for test in toy), toy
