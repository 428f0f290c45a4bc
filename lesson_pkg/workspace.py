"""The course ready wherever a notebook runs: Colab, Kaggle, a hub, your own machine.

A notebook opened alone (in Colab, or on Kaggle) has the package once its first cell
installed it, but no ``exercises/`` folder for ``check("mse_loss")`` to read.
:func:`prepare_workspace`, which every notebook's first cell calls, puts the exercise
files beside the notebook: copies of the stubs shipped inside the package (generated from
``solutions/`` by ``lesson stubs``). In the course folder, where ``exercises/`` is found,
it has nothing to do. A file that is already there is never replaced: it may hold your
work.

Example::

    from lesson_pkg.workspace import prepare_workspace

    prepare_workspace()   # ./exercises/ex01_losses.py, ... unless the course has them
"""

from __future__ import annotations

import importlib.metadata
import sys
from importlib import resources
from pathlib import Path

from lesson_pkg.checks import find_exercises

# the pinned packages whose module may have been imported before the install replaced it
_MODULES = {
    "torch": "torch",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
}


def shipped_stubs() -> dict[str, str]:
    """File name -> text of the exercise stubs shipped inside the package."""
    folder = resources.files("lesson_pkg") / "exercises"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name)
        if entry.name.startswith("ex") and entry.name.endswith(".py")
    }


def prepare_workspace(folder: Path | str | None = None, quiet: bool = False) -> Path:
    """Put the exercise files where ``check`` reads them; return that ``exercises/`` folder.

    ``folder`` is where the notebook runs (default: the current folder). When the course's
    ``exercises/`` is found there or above (a course folder, or one prepared before), it
    is used and only a missing file is restored; otherwise ``folder/exercises/`` is
    created with the stubs. Existing files are never overwritten. Prints what it wrote,
    and whether the session must be restarted because a package was replaced after it
    was imported (Colab preloads some), unless ``quiet``.
    """
    start = Path.cwd() if folder is None else Path(folder)
    if not start.is_dir():
        raise ValueError(f"prepare_workspace() needs an existing folder, got {str(start)!r}")
    try:
        exercises = find_exercises(start)
    except FileNotFoundError:
        exercises = start.resolve() / "exercises"
    exercises.mkdir(exist_ok=True)
    written = []
    for name, text in shipped_stubs().items():
        path = exercises / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            written.append(name)
    if not quiet:
        if written:
            print(f"Your exercise files are in {exercises}: {', '.join(written)}.")
            print('Edit them there and save; check("mse_loss") reads the saved file.')
        stale = replaced_after_import()
        if stale:
            print(
                f"Restart the session (Colab: Runtime > Restart session), then run this "
                f"cell again: {', '.join(stale)} changed after Python imported it."
            )
    return exercises


def replaced_after_import() -> list[str]:
    """The pinned packages whose imported version differs from the one now installed."""
    stale = []
    for module, distribution in _MODULES.items():
        imported = getattr(sys.modules.get(module), "__version__", None)
        if imported is None:
            continue
        try:
            installed = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
        if imported != installed:
            stale.append(distribution)
    return stale
