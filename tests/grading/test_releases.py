"""The student release holds no solution; the Gradescope autograder runs as Gradescope runs it."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from lesson_pkg.grading.cases import CASES
from lesson_pkg.grading.stubs import BEGIN, SOLUTION_BLOCK

from lesson_pkg.grading import release

ROOT = Path(__file__).resolve().parent.parent


def _solution_blocks() -> list[str]:
    """The body of every solution block of four lines or more, whitespace-normalised.

    Shorter blocks (``steps_per_epoch``'s three lines) also appear in the public reference
    ``lesson_pkg.training``, which the course gives learners to read.
    """
    blocks = []
    for path in (ROOT / "solutions").glob("ex*.py"):
        for match in SOLUTION_BLOCK.finditer(path.read_text()):
            lines = [line.strip() for line in match.group(0).splitlines()[1:-1] if line.strip()]
            if len(lines) >= 4:
                blocks.append("\n".join(lines))
    return blocks


def _normalised(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_the_student_release_has_no_solution_code(tmp_path):
    out = release.build_student_release(tmp_path / "student")
    assert not (out / "solutions").exists() and not (out / "tests" / "grader_fixtures").exists()
    assert (out / "exercises" / "ex01_losses.py").is_file()
    assert (out / "lesson_pkg" / "losses.py").is_file() and (out / "notebooks").is_dir()
    blocks = _solution_blocks()
    assert len(blocks) >= 5  # the scan has real material: most functions take 4+ lines
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".md", ".txt", ".toml", ".yml"):
            text = path.read_text()
            assert BEGIN not in [line.strip() for line in text.splitlines()], path
            normalised = _normalised(text)
            assert not [block for block in blocks if block in normalised], path


def test_the_gradescope_autograder_grades_a_submission_in_its_layout(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_hidden.py").write_text(
        textwrap.dedent('''
        import pytest

        @pytest.mark.points(2)
        def test_steps(submission):
            """steps_per_epoch: one sample is one step (hidden)"""
            outcome = submission.call("ex02_epochs", "steps_per_epoch", [1, 32], {}, [], None)
            assert outcome.ok and outcome.result["value"] == 1, "one step"
    ''')
    )
    archive = release.build_gradescope(tmp_path / "autograder.zip", hidden)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        assert "tests/grading/test_ex01_losses.py" in names and "hidden/test_hidden.py" in names
        assert not [name for name in names if name.startswith(("solutions/", "tests/grader"))]
        root = tmp_path / "autograder"
        opened.extractall(root / "source")
    assert re.search(
        r"pip install .*/autograder/source\[test\]", (root / "source" / "setup.sh").read_text()
    )
    shutil.copytree(ROOT / "solutions", root / "submission" / "my-homework")  # uploaded in a folder
    runner = root / "source" / "run_autograder"
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    completed = subprocess.run(
        ["bash", str(runner)], env=environment, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    total = sum(case.points for case in CASES)
    assert results["score"] == total + 2
    assert results["tests"][-1]["visibility"] == "after_published"
    assert "all public tests passed" in results["output"].lower()
