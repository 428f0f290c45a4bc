"""Where a student's exercise files are: the one rule every front end follows.

Students upload the files alone, inside a folder, or as a zip. ``lesson grade``,
``lesson grade-class`` and Gradescope's ``run_autograder`` all call
:func:`exercise_folder`, so a submission grades the same wherever it is graded:

1. a ``.zip`` file (given as the target, or alone in the target folder) is read as the
   folder it holds, only its exercise files being extracted (each at most
   :data:`~lesson_pkg.grading.runner.worker_client.MAX_SOURCE_BYTES`);
2. if any exercise file (``ex01_losses.py``, ...) is at the top, the top is graded;
3. else, if exactly one folder one level down holds exercise files, that folder is graded;
4. else, if no exercise file is anywhere, the top is graded (every exercise is missing);
5. anything else (files in two folders, or deeper than one folder) is a
   :class:`LayoutError`, with the same message everywhere.

Example: ``alice/exercises/ex01_losses.py`` grades ``alice/exercises``.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lesson_pkg.grading.exercises import exercise_files
from lesson_pkg.grading.runner.worker_client import MAX_SOURCE_BYTES

IGNORED_FOLDERS = ("__MACOSX", ".git")


def file_names() -> tuple[str, ...]:
    """The exercise files a submission holds: ``("ex01_losses.py", ...)``."""
    return tuple(f"{name}.py" for name in exercise_files())


class LayoutError(ValueError):
    """The exercise files are not where the rule above looks for them."""


def _layout_error(where: str, found: list[str]) -> LayoutError:
    return LayoutError(
        f"the exercise files of {where} must be at its top or in one folder below it "
        f"(expected {', '.join(file_names())}); found: {', '.join(sorted(found)[:6])}"
    )


def choose_folder(where: str, paths: list[PurePosixPath]) -> PurePosixPath:
    """The folder (relative to the submission's top) whose exercise files are graded.

    ``paths`` are every file of the submission, relative to its top. Raises
    :class:`LayoutError` when the rule above finds no single folder.

    Example: ``[PurePosixPath("hw/ex01_losses.py")]`` gives ``PurePosixPath("hw")``.
    """
    found = [
        path
        for path in paths
        if path.name in file_names() and not set(path.parts) & set(IGNORED_FOLDERS)
    ]
    if not found or any(len(path.parts) == 1 for path in found):
        return PurePosixPath(".")
    folders = {path.parent for path in found}
    if len(folders) == 1 and len(found[0].parts) == 2:
        return found[0].parent
    raise _layout_error(where, [path.as_posix() for path in found])


def _files_below(folder: Path) -> list[PurePosixPath]:
    """Every plain file in ``folder`` and one level below it (deeper ones, up to 3)."""
    paths = []
    for path in folder.rglob("*.py"):
        relative = path.relative_to(folder)
        if len(relative.parts) <= 3 and not path.is_symlink():
            paths.append(PurePosixPath(relative.as_posix()))
    return paths


def _lone_zip(folder: Path) -> Path | None:
    """The zip file ``folder`` holds, when it holds a zip and no exercise file."""
    zips = sorted(path for path in folder.glob("*.zip") if not path.is_symlink())
    if len(zips) == 1 and not any(folder.rglob("ex0*.py")):
        return zips[0]
    return None


def _extract(archive: Path, into: Path) -> Path:
    """Extract the exercise files of the folder the rule chooses in ``archive``."""
    try:
        with zipfile.ZipFile(_open_plain_file(archive)) as handle:
            members = {PurePosixPath(info.filename): info for info in handle.infolist()}
            chosen = choose_folder(archive.name, list(members))
            for name in file_names():
                info = members.get(chosen / name)
                if info is not None and info.file_size <= MAX_SOURCE_BYTES:
                    (into / name).write_bytes(handle.read(info)[:MAX_SOURCE_BYTES])
    except (zipfile.BadZipFile, OSError) as error:
        raise LayoutError(f"{archive.name} is not a readable zip file: {error}") from error
    return into


def _open_plain_file(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, never through a link or a FIFO.

    A link to another student's zip would grade that student's work as this one's.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    handle = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        handle.close()
        raise OSError(f"{path.name} is not a regular file")
    return handle


@contextmanager
def exercise_folder(target: str | Path) -> Iterator[Path]:
    """The folder holding the exercise files of ``target`` (a folder or a zip file).

    A context manager: a zip is extracted into a temporary folder, removed on exit.
    """
    target = Path(target)
    archive = target if target.is_file() else _lone_zip(target)
    if archive is not None:
        with tempfile.TemporaryDirectory(prefix="lesson-zip-") as temporary:
            yield _extract(archive, Path(temporary))
        return
    yield target / choose_folder(target.name, _files_below(target))
