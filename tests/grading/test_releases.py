"""The students' copy holds no solution; the Gradescope autograder installs the package
and grades as Gradescope runs it, from the installed wheel, not from a checkout."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from submissions import ROOT, scores_by_function, write_submission
from test_container_attacks import HONEST_IMPORTS

from lesson_pkg.grading.exercises import cases_for
from lesson_pkg.grading.runner import isolation
from lesson_pkg.maintenance import releases
from lesson_pkg.maintenance.exercise_stubs import BEGIN, SOLUTION_BLOCK

CASES = cases_for()

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
    assert (out / "lesson_pkg" / "losses" / "regression.py").is_file()
    assert (out / "notebooks").is_dir()
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


HIDDEN_TEST = textwrap.dedent('''
    import pytest

    @pytest.mark.points(2)
    def test_steps(submission):
        """steps_per_epoch: one sample is one step (hidden)"""
        assert submission.run("steps_per_epoch", 1, 32) == 1, "one step"
    ''')


@pytest.fixture(scope="module", params=["hidden", "public"])
def gradescope(request):
    """The autograder zip, unpacked as Gradescope does and set up by its own setup.sh, as
    root: a fresh virtual environment built from the zip alone (no link to this one),
    with hidden tests ("hidden") and without ("public")."""
    if os.geteuid() != 0:
        pytest.fail("Gradescope runs setup.sh as root: run this test as root (CI does)")
    # not below pytest's private temporary folder: /autograder is open to the workers' user
    folder = Path(tempfile.mkdtemp(prefix=f"gradescope-{request.param}-"))
    folder.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    hidden = None
    if request.param == "hidden":
        hidden = folder / "hidden-tests"
        hidden.mkdir()
        (hidden / "test_hidden.py").write_text(HIDDEN_TEST)
    archive = releases.build_gradescope(ROOT, folder / "autograder.zip", hidden)
    root = folder / "autograder"
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(root / "source")
    environment = {**_clean_environment(), "AUTOGRADER_ROOT": str(root), "TORCH_INDEX_URL": ""}
    completed = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return root, names, hidden is not None


def _clean_environment() -> dict[str, str]:
    """This process's environment without a trace of the development venv."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))
    }
    entries = environment.get("PATH", "").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(e for e in entries if not e.startswith(sys.prefix))
    return environment


def _run_autograder(root: Path, python: Path, **extra: str) -> subprocess.CompletedProcess:
    environment = {**_clean_environment(), "AUTOGRADER_ROOT": str(root), **extra}
    environment["AUTOGRADER_PYTHON"] = str(python)
    return subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_zip_holds_the_package_and_hidden_tests_but_no_solutions(gradescope):
    _, names, has_hidden = gradescope
    assert {"setup.sh", "run_autograder", "pyproject.toml"} <= set(names)
    assert ("hidden/test_hidden.py" in names) == has_hidden
    assert "lesson_pkg/grading/exercises/ex01_losses.py" in names
    assert "lesson_pkg/maintenance/templates/gradescope/setup.sh" in names
    assert not [name for name in names if name.startswith(("solutions/", "tests/", "exercises/"))]


def test_setup_installs_only_what_grading_needs_and_locks_the_sources(gradescope):
    root, _, has_hidden = gradescope
    setup = (root / "source" / "setup.sh").read_text()
    assert "[test]" not in setup and "[course]" not in setup and "Ubuntu 24.04" not in setup
    assert "download.pytorch.org/whl/cpu" in setup and "bubblewrap" in setup
    python = root / "venv" / "bin" / "python"
    packages = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout.lower()
    assert ("pytest==" in packages) == has_hidden  # the hidden tests' runner, only then
    assert "jupyterlab" not in packages and "nvidia" not in packages  # CPU torch only
    base = subprocess.run(
        [str(python), "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True
    ).stdout.strip()
    assert base != sys.prefix and not (root / "venv" / "pyvenv.cfg").read_text().count(".venv")
    # the workers' user reads no source, no hidden test, no reference of the installed package
    package = Path(
        subprocess.run(
            [str(python), "-c", "import lesson_pkg; print(lesson_pkg.__file__)"],
            capture_output=True,
            text=True,
            cwd="/tmp",
        ).stdout.strip()
    ).parent
    uid = isolation.worker_ids(0)
    private = [
        root / "source",
        package / "losses" / "regression.py",
        package / "grading" / "core" / "cases.py",
    ]
    assert isolation.reachable_by(*uid, private) == []
    assert isolation.reachable_by(*uid, [package / "grading" / "runner" / "worker_server.py"])


# The worker's isolation on Gradescope: namespaces where the container allows them, the
# unprivileged user otherwise, with Landlock where the kernel has it and file modes alone
# where it does not (what setup.sh's chmod is for).
GRADESCOPE_MODES = [
    pytest.param({}, id="namespaces"),
    pytest.param({"LESSON_PKG_BWRAP": ""}, id="user"),
    pytest.param({"LESSON_PKG_BWRAP": "", "LESSON_PKG_LANDLOCK": ""}, id="user-modes-only"),
]

READ_THE_SOURCE = """
def mse_loss(input, target, reduction="mean"):
    try:
        with open({losses!r}) as handle:
            handle.read()
    except OSError:
        return input.sum() * 0
    squared = (input - target) ** 2
    return {{"mean": squared.mean(), "sum": squared.sum()}}.get(reduction, squared)
"""


@pytest.mark.parametrize("environment", GRADESCOPE_MODES)
def test_the_installed_wheel_grades_as_gradescope_runs_it(gradescope, environment, tmp_path):
    root, _, has_hidden = gradescope
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
    completed = _run_autograder(root, python, **environment)
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == TOTAL + 2 * has_hidden, results["output"]
    if has_hidden:
        assert results["tests"][-1]["visibility"] == "after_published"
    assert "passed" in results["output"].lower()
    assert "Isolation: none" not in results["output"]
    if environment:
        assert "unprivileged user" in results["output"]
    # an attack on the unpacked sources earns nothing
    shutil.rmtree(root / "submission")
    submission = root / "submission"
    losses = str(root / "source" / "lesson_pkg" / "losses" / "regression.py")
    attack = {"mse_loss": READ_THE_SOURCE.format(losses=losses), "steps_per_epoch": HONEST_IMPORTS}
    write_submission([], submission, attack)
    completed = _run_autograder(root, python, **environment)
    results = json.loads((root / "results" / "results.json").read_text())
    scores = scores_by_function(results)
    assert scores["mse_loss"][0] == 0, results["output"]
    assert scores["steps_per_epoch"][0] == scores["steps_per_epoch"][1] > 0  # matplotlib imported


def test_the_autograder_always_leaves_a_results_json_that_says_why(gradescope, tmp_path):
    root, _, _ = gradescope
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'lesson_pkg is not installed' >&2\nexit 1\n")
    broken.chmod(0o755)
    completed = _run_autograder(root, broken)
    assert completed.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade" in results["output"] and "not installed" in results["output"]


def _git(course: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-C", str(course), "-c", "user.name=t", "-c", "user.email=t@t", *arguments],
        check=True,
        capture_output=True,
    )


def test_the_student_release_comes_from_git_not_from_a_dirty_tree(tmp_path):
    course = tmp_path / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(course)], check=True)
    stub = (course / "exercises" / "ex01_losses.py").read_text()
    # an instructor's solved exercise, a class's submissions and grades, hidden tests
    shutil.copyfile(
        course / "solutions" / "ex01_losses.py", course / "exercises" / "ex01_losses.py"
    )
    for private in ("hidden_tests/test_secret.py", "submissions/ann/ex01_losses.py"):
        (course / private).parent.mkdir(parents=True)
        (course / private).write_text("secret = 1\n")
    (course / "results").mkdir()
    (course / "results" / "gradebook.csv").write_text("student,total\nann,68\n")
    out = releases.build_student_release(course, tmp_path / "student")
    assert (out / "exercises" / "ex01_losses.py").read_text() == stub  # HEAD's stub
    for private in ("hidden_tests", "submissions", "results", "solutions"):
        assert not (out / private).exists(), private
    # committed, each of them is refused, and named
    _git(course, "add", "-f", "exercises", "hidden_tests", "submissions", "results")
    _git(course, "commit", "-qm", "everything")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.cli",
            "student-release",
            "--course",
            str(course),
            "--out",
            str(tmp_path / "refused"),
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2 and not (tmp_path / "refused").exists()
    for named in (
        "exercises/ex01_losses.py (unlike the stub generated from solutions/ex01_losses.py",
        "hidden_tests/test_secret.py",
        "submissions/ann/ex01_losses.py",
        "results/gradebook.csv",
    ):
        assert named in completed.stderr, (named, completed.stderr)
    # an older commit is still a valid release
    older = releases.build_student_release(course, tmp_path / "older", ref="HEAD~1")
    assert (older / "exercises" / "ex01_losses.py").read_text() == stub
