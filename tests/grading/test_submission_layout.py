"""One rule for where a student's files are: top level, one folder down, or a zip."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from submissions import ROOT

from lesson_pkg.grading.front.submission_layout import (
    LayoutError,
    choose_folder,
    exercise_folder,
)

SOLUTIONS = sorted((ROOT / "solutions").glob("ex*.py"))


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["ex01_losses.py", "ex02_epochs.py"], "."),
        (["hw/ex01_losses.py", "hw/ex02_epochs.py", "hw/notes.md"], "hw"),
        (["ex01_losses.py", "old/ex01_losses.py"], "."),  # the top wins
        (["README.md"], "."),  # nothing at all: every exercise missing
        (["__MACOSX/hw/ex01_losses.py", "hw/ex01_losses.py"], "hw"),
    ],
)
def test_the_rule_chooses_one_folder(paths, expected):
    chosen = choose_folder("alice", [PurePosixPath(path) for path in paths])
    assert chosen == PurePosixPath(expected)


@pytest.mark.parametrize(
    "paths",
    [
        ["a/ex01_losses.py", "b/ex02_epochs.py"],  # two folders
        ["a/b/ex01_losses.py"],  # two folders down
    ],
)
def test_anything_else_is_a_layout_error_naming_what_was_found(paths):
    with pytest.raises(LayoutError, match="at its top or in one folder below it") as caught:
        choose_folder("alice", [PurePosixPath(path) for path in paths])
    assert paths[0] in str(caught.value)


def _zip(path: Path, prefix: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for source in SOLUTIONS:
            archive.write(source, f"{prefix}{source.name}")
    return path


def test_a_zip_is_read_as_the_folder_it_holds(tmp_path):
    archive = _zip(tmp_path / "hw.zip", "homework/")
    with exercise_folder(archive) as folder:
        assert sorted(path.name for path in folder.iterdir()) == [p.name for p in SOLUTIONS]
        assert (folder / "ex02_epochs.py").read_text() == SOLUTIONS[1].read_text()
    assert not folder.exists()  # the temporary copy is gone
    student = tmp_path / "bob"
    student.mkdir()
    _zip(student / "upload.zip", "")
    with exercise_folder(student) as folder:
        assert (folder / "ex01_losses.py").is_file()


def test_a_broken_zip_is_a_layout_error(tmp_path):
    broken = tmp_path / "hw.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(LayoutError, match="not a readable zip"), exercise_folder(broken):
        pass


def _grade(target: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--target", str(target),
         "--json", str(out), "--isolation", "none"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip


def test_nested_and_zipped_submissions_grade_the_same_as_flat_ones(tmp_path):
    flat, nested = tmp_path / "flat", tmp_path / "nested"
    shutil.copytree(ROOT / "solutions", flat)
    shutil.copytree(ROOT / "solutions", nested / "student" / "exercises")
    zipped = _zip(tmp_path / "hw.zip", "exercises/")
    scores = []
    for target in (flat, nested / "student", zipped):
        completed = _grade(target, tmp_path / f"{target.name}.json")
        assert completed.returncode == 0, completed.stderr
        scores.append((tmp_path / f"{target.name}.json").read_text().count('"passed"'))
    assert scores[0] == scores[1] == scores[2] > 0
    deep = tmp_path / "deep"
    shutil.copytree(ROOT / "solutions", deep / "a" / "b")
    completed = _grade(deep, tmp_path / "deep.json")
    assert completed.returncode == 2
    assert "must be at its top or in one folder below it" in completed.stderr
