"""Packaging a course folder for the places it is taught and graded.

- :func:`build_student_release` (``lesson student-release --out DIR``): the students'
  copy, without ``solutions/``, hidden tests, the instructor's guide or the grader's own
  tests (which hold solution code), and with a README written for students;
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

import re
import shutil
import string
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lesson_pkg.grading.runner import isolation

# Never in a student's copy: the answers, tests that need them, the instructor's pages.
STUDENT_EXCLUDED = (
    "solutions",
    "tests/grader_fixtures",
    "tests/grading",
    "hidden",
    "docs/instructor-guide.md",
    "docs/design.md",
)
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


def build_student_release(course: Path, out: Path) -> Path:
    """Copy ``course`` to ``out`` without solutions or solution code; a students' README."""
    course = _check_course(course)
    if out.exists():
        shutil.rmtree(out)
    for relative in _course_files(course, STUDENT_EXCLUDED):
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(course / relative, out / relative, follow_symlinks=False)
    shutil.copyfile(TEMPLATES / "student-README.md", out / "README.md")
    _drop_instructor_pages(out / "docs" / "index.md")
    return out


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
    """A ``.tar.gz`` of the package's sources: what a workflow installs to grade."""
    course = _check_course(course)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz") as archive:
        for relative in _course_files(course, ()):
            if relative.as_posix().startswith(GRADESCOPE_SOURCES):
                archive.add(course / relative, relative.as_posix())
    return out
