"""Learners where they are: the course in an empty folder (Colab, Kaggle) from the wheel
alone, and a test command that leaves a learner's work alone and passes whatever they wrote.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
from IPython.core.inputtransformer2 import TransformerManager

from lesson_pkg import course
from lesson_pkg.maintenance.exercise_stubs import stubs_for
from lesson_pkg.workspace import prepare_workspace, shipped_stubs
from tools import install_torch, launch

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPOSITORY = "https://github.com/example-org/loss-course"


def _without(*names: str) -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in names}


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="a students' copy has no solutions/")
def test_the_stubs_the_package_ships_are_generated_from_the_solutions():
    assert shipped_stubs() == stubs_for(SOLUTIONS), "run `lesson stubs` and commit the result"


@pytest.mark.skipif(
    not (os.environ.get("LESSON_PKG_INSTRUCTOR") or os.environ.get("CI") == "true"),
    reason="instructors' copy only (CI, or LESSON_PKG_INSTRUCTOR=1): a learner's exercises/ "
    "holds their work",
)
def test_exercises_are_the_stubs_generated_from_the_current_solutions():
    for name, stub in stubs_for(SOLUTIONS).items():
        assert (ROOT / "exercises" / name).read_text() == stub, (
            f"exercises/{name} differs from the stub generated from solutions/{name}: "
            "regenerate the stubs with `lesson stubs --force` (instructors' copy only)"
        )


def test_prepare_workspace_puts_the_stubs_beside_the_notebook_and_keeps_edits(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("LESSON_PKG_EXERCISES")
    monkeypatch.chdir(tmp_path)
    exercises = prepare_workspace(quiet=True)
    assert exercises == tmp_path / "exercises"
    assert {path.name: path.read_text() for path in exercises.iterdir()} == shipped_stubs()
    mine = exercises / "ex01_losses.py"
    mine.write_text("# my work\n")
    (exercises / "ex02_epochs.py").unlink()
    assert prepare_workspace(quiet=True) == exercises
    assert mine.read_text() == "# my work\n"  # never overwritten
    assert (exercises / "ex02_epochs.py").read_text() == shipped_stubs()["ex02_epochs.py"]


def test_prepare_workspace_in_the_course_folder_does_nothing(monkeypatch, capsys):
    monkeypatch.delenv("LESSON_PKG_EXERCISES")
    before = {path: path.read_text() for path in (ROOT / "exercises").iterdir()}
    assert prepare_workspace(ROOT / "notebooks") == ROOT / "exercises"
    assert {path: path.read_text() for path in (ROOT / "exercises").iterdir()} == before
    assert capsys.readouterr().out == ""  # the stored outputs of the notebooks stay as they are


def test_prepare_workspace_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="existing folder"):
        prepare_workspace(tmp_path / "nowhere")


def test_the_first_cell_installs_the_release_only_where_lesson_pkg_is_missing():
    source = launch.first_cell_source(REPOSITORY, "v1.2.3")
    assert (
        '%pip install --quiet "lesson-pkg @ git+https://github.com/example-org/loss-course@v1.2.3"'
        in source
    )
    python = TransformerManager().transform_cell(source)
    assert python.count("prepare_workspace()") == 1
    assert all(
        not cell.outputs
        for path in NOTEBOOKS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.get("id") == launch.CELL_ID
    ), "a stored first cell shows an output (a path of this machine fails nbval elsewhere)"
    # in the course (lesson_pkg importable) it runs no install and prints nothing
    ran = subprocess.run(
        [sys.executable, "-c", python], cwd=ROOT / "notebooks", capture_output=True, text=True,
        env=_without("LESSON_PKG_EXERCISES"),
    )  # fmt: skip
    assert ran.returncode == 0 and ran.stdout == "", ran.stderr
    unconfigured = launch.first_cell_source("")
    assert "%pip" not in unconfigured and "make lab" in unconfigured


def _without_first_cell(path: Path) -> nbformat.NotebookNode:
    """A stored notebook as it was before ``tools/launch.py`` gave it its first cell."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.get("id") != launch.CELL_ID]
    return notebook


def test_every_stored_notebook_and_the_readme_carry_the_current_first_cell(capsys):
    assert launch.main(["--check"]) == 0, capsys.readouterr().out
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        first_code = next(cell for cell in cells if cell.cell_type == "code")
        assert first_code.get("id") == launch.CELL_ID, path.name


def test_the_first_cell_is_inserted_once_before_the_first_code_cell_then_updated():
    notebook = _without_first_cell(NOTEBOOKS[1])
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    count = len(notebook.cells)
    assert launch.with_first_cell(notebook, "old") is True
    assert notebook.cells[first_code].id == launch.CELL_ID
    assert notebook.cells[first_code].source == "old" and len(notebook.cells) == count + 1
    assert launch.with_first_cell(notebook, "old") is False
    assert launch.with_first_cell(notebook, "new") is True
    assert notebook.cells[first_code].source == "new" and len(notebook.cells) == count + 1
    nbformat.validate(notebook)


def test_launch_writes_the_first_cell_into_notebooks_anywhere_and_check_sees_it(tmp_path, capsys):
    copy = tmp_path / NOTEBOOKS[1].name
    nbformat.write(_without_first_cell(NOTEBOOKS[1]), copy)
    assert launch.main(["--check", str(copy)]) == 1
    assert capsys.readouterr().out == f"out of date: {copy}\n"
    assert launch.main([str(copy)]) == 0
    written = nbformat.read(copy, as_version=4)
    setup = [cell for cell in written.cells if cell.get("id") == launch.CELL_ID]
    assert [cell.source for cell in setup] == [launch.first_cell_source()]
    capsys.readouterr()
    assert launch.main(["--check", str(copy)]) == 0 and capsys.readouterr().out == ""


def test_the_readme_launch_links_are_those_of_the_configured_repository():
    readme = (ROOT / "README.md").read_text()
    block = launch.BLOCK.search(readme)
    assert block is not None
    assert readme[block.end(1) : block.start(2)] == launch.readme_links()
    if not course.REPOSITORY_URL:
        assert launch.readme_links() == ""  # nothing shown, never a placeholder
    table = launch.readme_links(REPOSITORY, "v1")
    assert table.count("[Open in Colab](https://colab.research.google.com/github/") == len(
        NOTEBOOKS
    )
    assert f"{REPOSITORY}/blob/v1/notebooks/{NOTEBOOKS[0].name})" in table
    assert launch.readme_links("https://gitlab.com/a/b", "v1") == ""


def test_the_light_install_removes_torchs_cpp_tests_and_keeps_what_python_uses(tmp_path):
    torch = tmp_path / "torch"
    kept = ["__init__.py", "lib/libtorch_cpu.so", "bin/torch_shm_manager"]
    removed = ["test/op_registration_test", "include/ATen/ATen.h", "bin/test_api", "bin/protoc"]
    for index, name in enumerate(kept + removed):
        (torch / name).parent.mkdir(parents=True, exist_ok=True)
        (torch / name).write_bytes(b"x" * (index + 1))
    freed = install_torch.remove_test_programs(torch)
    assert freed == sum(range(len(kept) + 1, len(kept) + len(removed) + 1))
    assert sorted(
        path.relative_to(torch).as_posix() for path in torch.rglob("*") if path.is_file()
    ) == sorted(kept)
    assert not (torch / "test").exists()


# --- the wheel alone, in an empty folder outside the repository, without a network ---


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """A fresh venv holding the built wheel, its dependencies, and what a notebook service
    (Colab, Kaggle) has: a kernel and ipywidgets; nbclient runs the notebooks."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT / "lesson_pkg", source / "lesson_pkg",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("lesson_pkg-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # what Colab and Kaggle provide beside the wheel: a kernel and ipywidgets
    kernel = [
        pin
        for pin in pins["optional-dependencies"]["course"]
        if pin.startswith(("ipykernel", "ipywidgets"))
    ]
    runner = [pin for pin in pins["optional-dependencies"]["test"] if "nbclient" in pin]
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(wheel), *kernel, *runner],
        capture_output=True, text=True,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python


OFFLINE = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "offline"]


def _offline(command: list[str]) -> list[str]:
    """``command`` without a network: a network namespace of its own, with only loopback
    (the kernel and its client talk over it), where Linux allows it."""
    probe = subprocess.run([*OFFLINE, "true"], capture_output=True)
    return [*OFFLINE, *command] if probe.returncode == 0 else command


PREPARE_AND_CHECK = """
from lesson_pkg.workspace import prepare_workspace
from lesson_pkg.checks import check
folder = prepare_workspace()
print("folder", folder)
print("before", check("mse_loss").score)
solution = open({solution!r}).read()
(folder / "ex01_losses.py").write_text(solution)
prepare_workspace()
print("after", check("mse_loss").passed)
"""


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="a students' copy has no solutions/")
def test_the_wheel_alone_in_an_empty_folder_prepares_the_exercises_check_reads(
    wheel_venv, tmp_path
):
    empty = tmp_path / "content"  # Colab's working folder, outside any course
    empty.mkdir()
    code = PREPARE_AND_CHECK.format(solution=str(SOLUTIONS / "ex01_losses.py"))
    ran = subprocess.run(
        _offline([str(wheel_venv), "-c", code]), cwd=empty, capture_output=True, text=True,
        env=_without("LESSON_PKG_EXERCISES", "PYTHONPATH"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert f"folder {empty / 'exercises'}" in ran.stdout
    assert "Your exercise files are in" in ran.stdout
    assert "before 0" in ran.stdout and "after True" in ran.stdout
    assert sorted(path.name for path in (empty / "exercises").iterdir()) == sorted(shipped_stubs())


RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": "."}}).execute()
nbformat.write(notebook, sys.argv[2])
"""
# the learner solves exercise 1 in the file the first cell put beside the notebook
LEARNERS_FILE = """
from pathlib import Path
from lesson_pkg.checks import check
before = check("mse_loss").score
Path("exercises", "ex01_losses.py").write_text({solution!r})
print("check reads the file beside the notebook:", before, check("mse_loss").passed)
"""


def _printed(cell: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "") for output in cell.outputs if output.output_type == "stream"
    )


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="a students' copy has no solutions/")
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_runs_from_an_empty_folder_with_its_first_cell(
    wheel_venv, tmp_path, notebook
):
    """As in Colab: the notebook alone in an empty folder outside the repository, in a venv
    holding only the wheel, its dependencies and a kernel, with no network. Its first cell
    (tools/launch.py's, for a configured repository) finds lesson_pkg installed, installs
    nothing and puts the exercise files beside the notebook; every cell of every lesson
    runs, all six in full (about two minutes on 2 cores, after the venv's two); a last
    cell added to the copy shows `check` reading the learner's file there, before and
    after they solve exercise 1."""
    lesson = nbformat.read(notebook, as_version=4)
    launch.with_first_cell(lesson, launch.first_cell_source(REPOSITORY))
    solution = (SOLUTIONS / "ex01_losses.py").read_text()
    lesson.cells.append(nbformat.v4.new_code_cell(LEARNERS_FILE.format(solution=solution)))
    folder = tmp_path / "content"  # Colab's working folder
    folder.mkdir()
    nbformat.write(lesson, folder / notebook.name)
    ran = subprocess.run(
        _offline([str(wheel_venv), "-c", RUN_NOTEBOOK, notebook.name, str(tmp_path / "ran.ipynb")]),
        cwd=folder, capture_output=True, text=True, timeout=600,
        env=_without("LESSON_PKG_EXERCISES", "PYTHONPATH"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    executed = nbformat.read(tmp_path / "ran.ipynb", as_version=4)
    first = next(cell for cell in executed.cells if cell.get("id") == launch.CELL_ID)
    assert _printed(first).startswith(f"Your exercise files are in {folder / 'exercises'}: ")
    assert "pip" not in _printed(first)  # lesson_pkg was importable: nothing installed
    assert sorted(path.name for path in (folder / "exercises").iterdir()) == sorted(shipped_stubs())
    assert (folder / "exercises" / "ex02_epochs.py").read_text() == shipped_stubs()[
        "ex02_epochs.py"
    ]
    assert "check reads the file beside the notebook: 0 True" in _printed(executed.cells[-1])


def test_the_unconfigured_first_cell_says_what_to_set_where_lesson_pkg_is_missing(tmp_path):
    """Where lesson_pkg is not installed and no repository is set, the cell stops with a
    message naming `make lab` and REPOSITORY_URL (never an install from a placeholder)."""
    python = TransformerManager().transform_cell(launch.first_cell_source(""))
    bare = Path(sys.base_prefix) / "bin" / "python3"  # the interpreter beneath this venv
    ran = subprocess.run(
        [str(bare), "-I", "-c", python], cwd=tmp_path, capture_output=True, text=True,
        env=_without("PYTHONPATH"),
    )  # fmt: skip
    assert ran.returncode == 1
    assert "ModuleNotFoundError: lesson_pkg is not installed" in ran.stderr
    assert "make lab" in ran.stderr and "REPOSITORY_URL in lesson_pkg/course.py" in ran.stderr
    assert not list(tmp_path.iterdir())  # nothing written


# --- a learner who solved exercise 1 runs the README's test command ---


def _learners_clone(folder: Path) -> Path:
    """The course as the working tree has it (what git tracks or would track), copied."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    if (ROOT / ".mypy_cache").is_dir():  # a warm cache: the same check, faster
        shutil.copytree(ROOT / ".mypy_cache", folder / ".mypy_cache")
    return folder


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="a students' copy has no solutions/")
def test_solving_exercise_1_leaves_the_test_command_green(tmp_path):
    clone = _learners_clone(tmp_path / "course")
    solved = (SOLUTIONS / "ex01_losses.py").read_text()
    (clone / "exercises" / "ex01_losses.py").write_text(solved + "answer=42  # my style\n")
    submissions = clone / "submissions" / "ada"  # a class's submissions inside the course
    submissions.mkdir(parents=True)
    (submissions / "ex01_losses.py").write_text("def mse_loss(:\n")
    environment = _without("LESSON_PKG_EXERCISES", "LESSON_PKG_INSTRUCTOR", "CI", "PYTHONPATH")
    venv = Path(sys.prefix)  # this venv, installed: `make` must not install again
    lint = subprocess.run(
        ["make", "lint", f"VENV={venv}", "-o", f"{venv}/.installed-tools",
         "-o", f"{venv}/.installed-course"],
        cwd=clone, capture_output=True, text=True, env=environment,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout[-2000:] + lint.stderr[-2000:]
    # the parts of `make test` that meet exercises/: the grader's stubs, the stubs'
    # consistency, and lesson 00, whose stored output is check("mse_loss") on a stub
    for selection in (
        ["tests/grading/test_grader.py", "-k", "stubs or check_by_name"],
        ["tests/test_learners.py", "-k", "generated_from_the or course_folder"],
        ["notebooks/00_start_here.ipynb"],  # check("mse_loss") on the learner's file
    ):
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
            cwd=clone, capture_output=True, text=True, env=environment,
        )  # fmt: skip
        assert tests.returncode == 0, tests.stdout[-3000:]
        assert "--force" not in tests.stdout
    assert (clone / "exercises" / "ex01_losses.py").read_text().endswith("answer=42  # my style\n")


def test_lesson_stubs_writes_the_packaged_stubs_too(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    (tmp_path / "lesson_pkg" / "exercises").mkdir(parents=True)
    (tmp_path / "lesson_pkg" / "exercises" / "ex09_gone.py").write_text("old\n")
    done = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.cli", "stubs", "--course", str(tmp_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = {
        path.name: path.read_text() for path in (tmp_path / "lesson_pkg" / "exercises").iterdir()
    }
    assert written == stubs_for(SOLUTIONS)  # the stale file is gone
    assert {path.name for path in (tmp_path / "exercises").iterdir()} == set(written)
