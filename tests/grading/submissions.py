"""Building submission folders for the grader's tests, and grading them as a user would."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from lesson_pkg.grading.core.mistakes import Mistake
from lesson_pkg.grading.exercises import file_of
from lesson_pkg.grading.runner import isolation

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "grader_fixtures"

# The isolations this machine offers, as environments for the command line: bubblewrap's
# namespaces, and (as root) the unprivileged user alone, with bubblewrap turned off.
MODES = [
    pytest.param(
        {},
        marks=pytest.mark.skipif(
            not isolation.bubblewrap_works(), reason="bubblewrap cannot create namespaces here"
        ),
        id="namespaces",
    ),
    pytest.param(
        {"LESSON_PKG_BWRAP": ""},
        marks=pytest.mark.skipif(os.geteuid() != 0, reason="the user path needs a root grader"),
        id="user",
    ),
]

# Every isolation, as (environment, --isolation) parameters: this machine's, strict, and none.
EVERY_ISOLATION = [
    *(pytest.param(mode.values[0], "strict", marks=mode.marks, id=mode.id) for mode in MODES),
    pytest.param({}, "none", id="none"),
]


def _replace_function(source: str, name: str, replacement: str) -> str:
    """``source`` with the top-level function ``name`` swapped for ``replacement``."""
    tree = ast.parse(source)
    node = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name
    )
    lines = source.splitlines(keepends=True)
    return "".join(lines[: node.lineno - 1]) + replacement + "".join(lines[node.end_lineno :])


def _without_decorators(source: str) -> str:
    """A function's source from its ``def`` line: a mistake's ``@X.mistake(hint)`` goes."""
    definition = ast.parse(source).body[0]
    return "".join(source.splitlines(keepends=True)[definition.lineno - 1 :])


def write_submission(chosen: list[Mistake], folder: Path, replacements: dict | None = None) -> Path:
    """The solutions, with each chosen mistake in place of its function.

    ``replacements`` maps a function name to source code that replaces it (attacks).
    """
    files: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for mistake in chosen:
        wrong = _without_decorators(textwrap.dedent(inspect.getsource(mistake.implementation)))
        wrong = wrong.replace(f"def {mistake.id}(", f"def {mistake.function}(", 1)
        files[file_of(mistake.function)].append((mistake.function, wrong))
    for function, source in (replacements or {}).items():
        files[file_of(function)].append((function, textwrap.dedent(source)))
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "solutions").glob("ex*.py")):
        source = "import math\nimport torch\n" + path.read_text()
        for function, replacement in files.get(path.stem, []):
            source = _replace_function(source, function, replacement)
        (folder / path.name).write_text(source)
    return folder


def grade(
    target: Path, out: Path, *options: str, check: bool = True, cwd: Path | None = None
) -> tuple[dict, str]:
    """Grade ``target`` with the command line, started in ``cwd`` (default ``out``);
    return the results.json and the table (None and the messages if it wrote none)."""
    results = out / f"results-{target.name}.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.grade",
            "--target",
            str(target),
            "--json",
            str(results),
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=cwd or out,
        timeout=600,
    )
    if check:
        assert completed.returncode == 0, completed.stderr
    if not results.exists():  # the grader refused: None, and what it said
        return None, completed.stdout + completed.stderr
    return json.loads(results.read_text()), completed.stdout


def scores_by_function(results: dict) -> dict[str, tuple[float, float]]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for test in results["tests"]:
        function = test["name"].split(":")[0]
        totals[function][0] += test["score"]
        totals[function][1] += test["max_score"]
    return {function: (earned, possible) for function, (earned, possible) in totals.items()}


def grade_replaced(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    isolation: str,
    replacements: dict[str, str],
) -> dict:
    """The solutions with ``replacements``, graded under ``environment`` and ``isolation``."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission([], tmp_path / "submission", replacements)
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", isolation)
    return results
