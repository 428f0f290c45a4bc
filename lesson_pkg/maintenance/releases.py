"""Packaging a course folder for the places it is taught and graded.

- :func:`build_student_release` (``lesson student-release --out DIR [--ref REF]``): the
  students' copy, from what git tracks at a commit (never the working tree), without
  ``solutions/``, the instructor's guide or the grader's own tests (which hold solution
  code), with a README written for students; it refuses to ship a solved exercise,
  hidden tests, submissions or grades;
- :func:`release_solutions` (``lesson release-solutions --out DIR``): the solutions
  alone, to publish after the deadline;
- :func:`build_grader_archive` (``lesson grader-archive --out FILE.tar.gz``): the
  package alone (no solutions, no hidden tests), for the GitHub Actions workflow of the
  students' repositories to download;
- :func:`build_gradescope` (``lesson gradescope --out FILE.zip [--hidden DIR]``):
  Gradescope's autograder. ``setup.sh`` and ``run_autograder`` at the top of the zip,
  the package's sources beside them. Gradescope unpacks the zip into
  ``/autograder/source``, puts each submission in ``/autograder/submission`` and reads
  ``/autograder/results/results.json``; ``AUTOGRADER_ROOT`` moves that root (tests).
  ``setup.sh`` installs the package (not in editable mode: the installed copy is what
  grades), torch's CPU build and bubblewrap, and creates the workers' unprivileged user.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import string
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from lesson_pkg.grading.runner import isolation
from lesson_pkg.maintenance.exercise_stubs import make_stub

# Never in a student's copy: the answers, tests that need them, the instructor's pages.
STUDENT_EXCLUDED = (
    "solutions",
    "tests/grader_fixtures",
    "tests/grading",
    "docs/instructor-guide.md",
    "docs/design.md",
)
# Never shipped, and refused rather than dropped (they are not meant to be in git): the
# folders the instructor guide names for hidden tests, a class's submissions and grades.
PRIVATE_FOLDERS = ("hidden", "hidden_tests", "submissions", "results", "grades")
PRIVATE_FILES = ("results.json", "report.json", "gradebook.csv", "summary.csv")
# Never copied anywhere: what a checkout makes or caches.
BUILD_LITTER = (
    ".git",
    ".venv",
    "dist",
    "build",
    "artifacts",
    "mutants",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    "lesson_pkg.egg-info",
)
# The site's table of contents for the instructors' pages, which the students' copy lacks.
INSTRUCTOR_TOCTREE = re.compile(r"```\{toctree\}\n:caption: For instructors\n.*?```\n\n", re.S)
GRADESCOPE_SOURCES = ("pyproject.toml", "README.md", "lesson_pkg/")
TEMPLATES = Path(__file__).parent / "templates"


class _ScriptTemplate(string.Template):
    delimiter = "@"  # "$" is bash's


def gradescope_scripts() -> dict[str, str]:
    """``setup.sh`` and ``run_autograder``, filled from the constants the grader uses."""
    package = '"$package'
    readable = " ".join(isolation.WORKER_CODE)
    skip = [f'! -path {package}/{part}"' for part in isolation.WORKER_CODE if part.endswith(".py")]
    skip += [f'! -path {package}/{part}/*"' for part in isolation.WORKER_CODE if "." not in part]
    values = {
        "worker_uid": str(isolation.DEFAULT_WORKER_UID),
        "worker_account": isolation.WORKER_ACCOUNT,
        "worker_readable": readable,
        "worker_find_filter": " ".join(skip),
    }
    scripts = {}
    for name in ("setup.sh", "run_autograder"):
        # safe: bash's own "@" ("${hidden[@]}") stays; every "@{name}" must be filled
        text = _ScriptTemplate((TEMPLATES / "gradescope" / name).read_text()).safe_substitute(
            values
        )
        if "@{" in text:
            raise KeyError(
                f"{name} has a placeholder no constant fills: {text[text.index('@{') :][:40]}"
            )
        scripts[name] = text
    return scripts


def _course_files(course: Path, excluded: tuple[str, ...]) -> Iterator[Path]:
    """Every file of ``course`` (relative paths), less build litter and ``excluded``.

    A link to a folder (``docs/notebooks``, for the site) comes as the link itself.
    """
    for path in sorted(course.rglob("*")):
        relative = path.relative_to(course)
        is_folder_link = path.is_symlink() and path.is_dir()
        if not (path.is_file() or is_folder_link):
            continue
        if any(part in BUILD_LITTER for part in relative.parts):
            continue
        posix = relative.as_posix()
        if any(posix == item or posix.startswith(item + "/") for item in excluded):
            continue
        yield relative


def _check_course(course: Path) -> Path:
    course = Path(course)
    for needed in ("pyproject.toml", "lesson_pkg", "exercises"):
        if not (course / needed).exists():
            raise ValueError(
                f"{course.resolve()} is not the course folder (no {needed}): "
                "run this in the course folder, or pass --course"
            )
    return course


class ReleaseRefused(ValueError):
    """What the students' copy would ship holds private material."""


def build_student_release(course: Path, out: Path, ref: str = "HEAD") -> Path:
    """The students' copy: what git tracks at ``ref``, less the instructors' paths.

    Never the working tree: an answer typed into ``exercises/``, a class's submissions or
    grades lying beside the course are not committed, so they are not shipped. What is
    committed is checked: :class:`ReleaseRefused` if it holds a solved exercise (a stub
    unlike the one generated from ``solutions/``), hidden tests, submissions or grades.
    """
    course = _check_course(course)
    tracked = _tracked_files(course, ref)
    shipped = {
        path: member
        for path, member in tracked.items()
        if not any(path == item or path.startswith(f"{item}/") for item in STUDENT_EXCLUDED)
    }
    _refuse_private_material(shipped, tracked, ref)
    if out.exists():
        shutil.rmtree(out)
    for path, (member, data) in shipped.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if member.issym():
            target.symlink_to(member.linkname)
        else:
            target.write_bytes(data)
            target.chmod(member.mode & 0o755)
    shutil.copyfile(TEMPLATES / "student-README.md", out / "README.md")
    _drop_instructor_pages(out / "docs" / "index.md")
    return out


def _tracked_files(course: Path, ref: str) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    """Path -> (tar entry, content) of every file and link git tracks at ``ref``."""
    completed = subprocess.run(
        ["git", "-C", str(course), "archive", "--format=tar", ref],
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        raise ReleaseRefused(
            f"the students' copy is built from git, and `git archive {ref}` failed in "
            f"{course}: {completed.stderr.decode(errors='replace').strip()}"
        )
    files = {}
    with tarfile.open(fileobj=io.BytesIO(completed.stdout)) as archive:
        for member in archive.getmembers():
            if member.isfile() or member.issym():
                handle = archive.extractfile(member) if member.isfile() else None
                files[member.name] = (member, handle.read() if handle else b"")
    return files


def _refuse_private_material(
    shipped: dict[str, tuple[tarfile.TarInfo, bytes]],
    tracked: dict[str, tuple[tarfile.TarInfo, bytes]],
    ref: str,
) -> None:
    problems = []
    for path, (_, data) in shipped.items():
        parts = PurePosixPath(path).parts
        if private := [part for part in parts[:-1] if part in PRIVATE_FOLDERS]:
            problems.append(
                f"{path} (in a {private[0]}/ folder: hidden tests, submissions or grades)"
            )
        elif parts[-1] in PRIVATE_FILES:
            problems.append(f"{path} (a grading result)")
        elif len(parts) == 2 and parts[0] == "exercises" and f"solutions/{parts[1]}" in tracked:
            solution = tracked[f"solutions/{parts[1]}"][1].decode()
            if data.decode() != make_stub(solution):
                problems.append(
                    f"{path} (unlike the stub generated from solutions/{parts[1]}: a solved "
                    "or edited exercise; `lesson stubs --force` regenerates it, then commit)"
                )
    if problems:
        listed = "\n  ".join(problems)
        raise ReleaseRefused(
            f"refusing to build the students' copy from {ref}: it would ship\n  {listed}\n"
            "Take them out of git (git rm --cached, and list them in .gitignore) or fix them."
        )


def _drop_instructor_pages(index: Path) -> None:
    """Take the instructors' pages out of the site's contents, so that ``make html`` builds."""
    text = index.read_text()
    if not INSTRUCTOR_TOCTREE.search(text):
        raise RuntimeError(f"{index} has no 'For instructors' table of contents to take out")
    index.write_text(INSTRUCTOR_TOCTREE.sub("", text))


def release_solutions(course: Path, out: Path) -> Path:
    """Copy ``course/solutions`` to ``out``: publish it after the deadline."""
    solutions = _check_course(course) / "solutions"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(solutions, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


def build_gradescope(course: Path, out: Path, hidden: Path | None = None) -> Path:
    """The autograder zip: setup.sh, run_autograder, the package's sources, hidden tests."""
    course = _check_course(course)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in gradescope_scripts().items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable
            archive.writestr(info, text)
        for relative in _course_files(course, ()):
            if relative.as_posix().startswith(GRADESCOPE_SOURCES):
                archive.write(course / relative, relative.as_posix())
        if hidden is not None:
            for path in sorted(hidden.rglob("*.py")):
                archive.write(path, f"hidden/{path.relative_to(hidden).as_posix()}")
    return out


def build_grader_archive(course: Path, out: Path) -> Path:
    """A ``.tar.gz`` of the package's sources: what a workflow installs to grade.

    Byte-reproducible: the same sources give the same SHA-256 (see :func:`_reproducible_tar`).
    """
    course = _check_course(course)
    out.parent.mkdir(parents=True, exist_ok=True)
    files = [
        relative
        for relative in _course_files(course, ())
        if relative.as_posix().startswith(GRADESCOPE_SOURCES)
    ]
    _reproducible_tar(course, files, out)
    return out


def _reproducible_tar(root: Path, files: list[Path], out: Path) -> None:
    """``files`` (relative to ``root``) as a tar.gz whose bytes depend on their contents only.

    Entries sorted by name; every mtime ``SOURCE_DATE_EPOCH`` (reproducible-builds.org's
    convention; 0 when unset); owner root:root (uid/gid 0, no names); modes 0644, or 0755
    for executables; regular files only; the gzip header without a file name or time
    (``gzip.GzipFile(filename="", mtime=...)``, RFC 1952's MTIME field).
    """
    stamp = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=stamp) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative in sorted(files, key=lambda path: path.as_posix()):
            path = root / relative
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            info = tarfile.TarInfo(relative.as_posix())
            info.size, info.mtime, info.uid, info.gid = len(data), stamp, 0, 0
            info.uname = info.gname = ""
            info.mode = 0o755 if path.stat().st_mode & 0o100 else 0o644
            archive.addfile(info, io.BytesIO(data))
