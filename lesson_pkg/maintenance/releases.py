"""Packaging the course for the places it is taught and graded.

``python -m lesson_pkg.grading.release student --out DIR`` (``make student-release``)
copies the course without ``solutions/``, hidden tests, or the grader's own validation
(which holds solution code): the students' template repository.

``python -m lesson_pkg.grading.release gradescope --out FILE.zip [--hidden DIR]``
(``make gradescope``) builds a Gradescope autograder: ``setup.sh`` and
``run_autograder`` at the top of the zip, the package and the graders beside them.
Gradescope unpacks the zip into ``/autograder/source``, puts each submission in
``/autograder/submission`` and reads the report from ``/autograder/results/results.json``;
``AUTOGRADER_ROOT`` moves that root, for testing.
"""

from __future__ import annotations

import argparse
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[2]

# Never in a student's copy: the answers, and tests that need them.
STUDENT_EXCLUDED = (
    "solutions",
    "tests/grader_fixtures",
    "tests/test_grader.py",
    "tests/test_batch.py",
    "tests/test_release.py",
    "tests/test_delivery.py",
    "hidden",
)
# Never copied anywhere: what a checkout makes or caches.
BUILD_LITTER = (
    ".git",
    ".venv",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    "lesson_pkg.egg-info",
)

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-pip python3-venv
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet "/autograder/source[test]"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT moves /autograder (tests).
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
mkdir -p "$root/results"
# Students may upload the files alone or inside a folder: grade the folder holding them.
found=$(find "$root/submission" -name ex01_losses.py -print -quit)
target=$(dirname "${found:-$root/submission/ex01_losses.py}")
hidden=()
if [ -d "$root/source/hidden" ]; then hidden=(--hidden "$root/source/hidden"); fi
cd "$root/source"
"$python" -m lesson_pkg.grade --target "$target" --json "$root/results/results.json" \\
    "${hidden[@]}"
"""


def _course_files(excluded: tuple[str, ...]) -> Iterator[Path]:
    """Every file of the course (relative paths), less build litter and ``excluded``."""
    for path in sorted(COURSE_ROOT.rglob("*")):
        relative = path.relative_to(COURSE_ROOT)
        if not path.is_file() or any(part in BUILD_LITTER for part in relative.parts):
            continue
        if any(
            relative.as_posix() == item or relative.as_posix().startswith(item + "/")
            for item in excluded
        ):
            continue
        yield relative


def build_student_release(out: Path) -> Path:
    """Copy the course to ``out`` without solutions, hidden tests or solution code."""
    if out.exists():
        shutil.rmtree(out)
    for relative in _course_files(STUDENT_EXCLUDED):
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(COURSE_ROOT / relative, out / relative)
    return out


GRADESCOPE_SOURCES = ("pyproject.toml", "README.md", "lesson_pkg", "tests/grading")


def build_gradescope(out: Path, hidden: Path | None = None) -> Path:
    """The autograder zip: setup.sh, run_autograder, and the package with its graders."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable
            archive.writestr(info, text)
        for relative in _course_files(()):
            if relative.as_posix().startswith(GRADESCOPE_SOURCES):
                archive.write(COURSE_ROOT / relative, relative.as_posix())
        if hidden is not None:
            for path in sorted(hidden.rglob("*.py")):
                archive.write(path, f"hidden/{path.relative_to(hidden).as_posix()}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lesson_pkg.grading.release", description=__doc__
    )
    parser.add_argument("kind", choices=["student", "gradescope"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--hidden", type=Path, help="gradescope: the hidden tests to include")
    args = parser.parse_args()
    if args.kind == "student":
        print(f"student release in {build_student_release(args.out)}")
    else:
        print(f"Gradescope autograder: {build_gradescope(args.out, args.hidden)}")


if __name__ == "__main__":
    main()
