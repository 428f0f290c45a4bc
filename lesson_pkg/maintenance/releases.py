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

import gzip
import io
import os
import re
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

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
WORKER_UID = 61000  # lesson_pkg.grading.runner.isolation.DEFAULT_WORKER_UID

STUDENT_README = """# Loss, Epochs & Accuracy

A Jupyter course, in PyTorch, on what a loss function is, how the loss relates to epochs,
and how loss differs from accuracy.

## Start

```bash
make lab    # sets everything up and opens the first lesson in JupyterLab
```

Without `make` (Windows, macOS without developer tools, conda): see "Without make" below.

## Work on the exercises

The lessons in `notebooks/` end their sections with exercises. Write your answers in
`exercises/ex01_losses.py`, `ex02_epochs.py` and `ex03_accuracy.py`: each function's
docstring says what to compute, with a formula, the shapes and an example.

- **In a notebook**: `check("mse_loss")` grades your `exercises/` version of one function
  in about a second, picking up your latest edit, and says what to fix.
- **All of it**: `make grade` (or `lesson grade`) grades every exercise and prints one
  line per function, then what to fix.

## Submit

Submit the three files of `exercises/` as your course asks (Gradescope upload, or a push
to your repository). The grader runs the same checks as `make grade`, plus hidden ones.

## Without make

```bash
python3 -m venv .venv
.venv/bin/pip install -e ".[course]"      # Windows: .venv\\Scripts\\pip
.venv/bin/lesson lab                      # opens the first lesson
.venv/bin/lesson grade                    # grades exercises/
```
"""

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip bubblewrap
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {{
    echo "lesson_pkg needs Python 3.11 or newer; this image has $(python3 --version)." >&2
    echo "Choose Gradescope's base image 'Ubuntu 24.04' (Python 3.12) and rebuild." >&2
    exit 1
}}
# The workers' unprivileged user: grading drops to it (uid {WORKER_UID} and up).
id lesson-grader >/dev/null 2>&1 || useradd --system --uid {WORKER_UID} --user-group \\
    --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lesson-grader
python3 -m venv /autograder/venv
# torch's CPU build (no CUDA packages), then the package and its other dependencies
/autograder/venv/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu \\
    "torch==$(sed -n 's/.*"torch==\\([^"]*\\)".*/\\1/p' /autograder/source/pyproject.toml)"
/autograder/venv/bin/pip install --quiet /autograder/source
# The workers' user may read only the worker's own code of the package: without
# namespaces, the reference implementations and the grader stay root's.
package=$(cd /tmp && /autograder/venv/bin/python -c \
    'import lesson_pkg, os; print(os.path.dirname(lesson_pkg.__file__))')
find "$package" -type f ! -path "$package/__init__.py" ! -path "$package/grading/__init__.py" \
    ! -path "$package/grading/runner/*" -exec chmod go-rwx {{}} +
# Hidden tests: readable by root (the grader) only; results: written by root only.
if [ -d /autograder/source/hidden ]; then
    chown -R root:root /autograder/source/hidden
    chmod -R go-rwx /autograder/source/hidden
fi
mkdir -p /autograder/results
chmod 755 /autograder/results
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root. AUTOGRADER_ROOT moves /autograder.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
results="$root/results/results.json"
mkdir -p "$root/results"
# The files alone, in one folder, or zipped: the grader's one rule finds them
# (lesson_pkg.grading.front.submission_layout), as grade and grade-class do.
target="$root/submission"
hidden=()
if [ -d "$root/source/hidden" ]; then hidden=(--hidden "$root/source/hidden"); fi
errors=$(mktemp)
cd /tmp  # not the source folder: the installed package is what grades
if ! "$python" -m lesson_pkg.grade --target "$target" --json "$results" \\
        --isolation strict "${hidden[@]}" 2>"$errors"; then
    # Gradescope shows results.json whatever happens: always leave one that says why.
    reason=$(tail -n 3 "$errors" | tr '\\n' ' ' | tr -cd '[:alnum:] .,:;()/_=+-' | cut -c1-600)
    message="The autograder could not grade this submission: %s. Your course staff"
    message+=" have to fix the autograder; this score is not final."
    printf '{"score": 0, "output": "'"$message"'", "tests": []}\n' "$reason" > "$results"
fi
cat "$errors" >&2
"""


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
    (out / "README.md").write_text(STUDENT_README)
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
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
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
