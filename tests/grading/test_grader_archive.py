"""The grader archive is byte-reproducible: the same sources give the same SHA-256."""

import gzip
import hashlib
import os
import shutil
import tarfile

from submissions import ROOT

from lesson_pkg.maintenance import releases


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_of_the_same_sources_have_the_same_sha256(tmp_path):
    first = releases.build_grader_archive(ROOT, tmp_path / "first.tar.gz")
    copy = tmp_path / "course"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "lesson_pkg", "exercises"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    for path in copy.rglob("*"):  # other times, as another checkout would have
        os.utime(path, (1_000_000_000, 1_000_000_000))
    second = releases.build_grader_archive(copy, tmp_path / "second.tar.gz")
    assert _sha256(first) == _sha256(second)
    with tarfile.open(first) as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert names == sorted(names) and "lesson_pkg/grading/exercises/ex01_losses.py" in names
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
    header = first.read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # gzip MTIME: none
    assert gzip.decompress(first.read_bytes())  # still a valid gzip


def test_a_changed_source_changes_the_sha256(tmp_path):
    copy = tmp_path / "course"
    shutil.copytree(
        ROOT / "lesson_pkg", copy / "lesson_pkg", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "exercises").mkdir()
    before = _sha256(releases.build_grader_archive(copy, tmp_path / "a.tar.gz"))
    (copy / "lesson_pkg" / "grading" / "__init__.py").write_text('"""Changed."""\n')
    assert _sha256(releases.build_grader_archive(copy, tmp_path / "b.tar.gz")) != before
