"""The students' copy holds no solution; the Gradescope autograder installs the package
and grades as Gradescope runs it, from the installed wheel, not from a checkout."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from submissions import ROOT

from lesson_pkg.grading.core.cases import CASES
from lesson_pkg.maintenance import releases
from lesson_pkg.maintenance.exercise_stubs import BEGIN, SOLUTION_BLOCK

TOTAL = sum(case.points for case in CASES)


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
    out = releases.build_student_release(ROOT, tmp_path / "student")
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
    # a copy for students: their README, no instructor's guide, no word of solutions/
    readme = (out / "README.md").read_text()
    assert "check(" in readme and "Submit" in readme and "solutions" not in readme
    for page in [*out.glob("notebooks/*.ipynb"), *out.rglob("*.md")]:
        assert "solutions/" not in page.read_text(), page
    assert not (out / "docs" / "instructor-guide.md").exists()


def test_the_student_release_builds_its_site_without_the_instructors_pages(tmp_path):
    out = releases.build_student_release(ROOT, tmp_path / "student")
    site = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", "docs", str(site)],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    lessons = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(path.stem for path in (site / "notebooks").glob("*.html")) == lessons
    assert not (site / "instructor-guide.html").exists() and not (site / "design.html").exists()


def test_solutions_are_released_on_their_own_after_the_deadline(tmp_path):
    out = releases.release_solutions(ROOT, tmp_path / "solutions")
    assert sorted(path.name for path in out.glob("*.py")) == sorted(
        path.name for path in (ROOT / "solutions").glob("*.py")
    )


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory):
    """The autograder zip, unpacked as Gradescope does, with the package installed from a
    wheel into a fresh virtual environment outside the checkout (as setup.sh does; the
    dependencies come from this environment instead of the network)."""
    folder = tmp_path_factory.mktemp("gradescope")
    hidden = folder / "hidden-tests"
    hidden.mkdir()
    (hidden / "test_hidden.py").write_text(
        textwrap.dedent('''
        import pytest

        @pytest.mark.points(2)
        def test_steps(submission):
            """steps_per_epoch: one sample is one step (hidden)"""
            assert submission.run("steps_per_epoch", 1, 32) == 1, "one step"
        ''')
    )
    archive = releases.build_gradescope(ROOT, folder / "autograder.zip", hidden)
    root = folder / "autograder"
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    wheels = folder / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(root / "source"),
        ],
        check=True,
        timeout=600,
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            str(next(wheels.glob("*.whl"))),
        ],
        check=True,
        timeout=600,
    )
    return root, names


def _run_autograder(root: Path, python: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(python)}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_zip_holds_the_package_and_hidden_tests_but_no_solutions(gradescope):
    _, names = gradescope
    assert {"setup.sh", "run_autograder", "pyproject.toml", "hidden/test_hidden.py"} <= set(names)
    assert "lesson_pkg/grading/core/cases.py" in names
    assert not [name for name in names if name.startswith(("solutions/", "tests/", "exercises/"))]


def test_setup_installs_only_grading_with_torchs_cpu_build_and_isolation(gradescope):
    root, _ = gradescope
    setup = (root / "source" / "setup.sh").read_text()
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    assert "[test]" not in setup and "[course]" not in setup
    assert "download.pytorch.org/whl/cpu" in setup and "bubblewrap" in setup
    assert "useradd" in setup and "chmod -R go-rwx /autograder/source/hidden" in setup
    assert 'grading/runner/*" -exec chmod go-rwx' in setup  # the reference: root's only
    assert "Ubuntu 24.04" in setup  # the base image to choose when python3 is too old


def test_the_installed_wheel_grades_a_submission_as_gradescope_runs_it(gradescope, tmp_path):
    root, _ = gradescope
    python = root / "venv" / "bin" / "python"
    located = subprocess.run(
        [str(python), "-c", "import lesson_pkg; print(lesson_pkg.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert located.startswith(str(root / "venv")), located  # the wheel, not the checkout
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.copytree(ROOT / "solutions", root / "submission" / "my-homework")  # in a folder
    completed = _run_autograder(root, python)
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == TOTAL + 2  # the same score as from the checkout
    assert results["tests"][-1]["visibility"] == "after_published"
    assert "all public tests passed" in results["output"].lower()
    assert "Isolation: none" not in results["output"]


def test_the_autograder_always_leaves_a_results_json_that_says_why(gradescope, tmp_path):
    root, _ = gradescope
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'lesson_pkg is not installed' >&2\nexit 1\n")
    broken.chmod(0o755)
    completed = _run_autograder(root, broken)
    assert completed.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade" in results["output"] and "not installed" in results["output"]
