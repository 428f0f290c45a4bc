"""Every notebook's first code cell, and the README's "Open in Colab / Kaggle" links.

``python tools/launch.py`` writes both from ``lesson_pkg/course.py`` (the one place the
repository and release tag are set): it inserts the first cell into each notebook of
``notebooks/`` (or updates it, found by its id ``course-setup``) and rewrites the
README's block between ``<!-- launch-links -->`` and ``<!-- /launch-links -->``.
``--check`` changes nothing and exits 1 when something is out of date.

The cell makes the course ready wherever the notebook runs: where ``lesson_pkg`` is
importable (the course installed from a checkout: ``make lab``, a hub, Binder) it only
calls ``prepare_workspace()``, which finds ``exercises/`` and does nothing; in Colab or
Kaggle it first installs the pinned package from the repository at the release tag.
It prints nothing in the course folder, so the stored outputs stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lesson_pkg import course  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
CELL_ID = "course-setup"
BLOCK = re.compile(r"(<!-- launch-links -->\n).*?(<!-- /launch-links -->)", re.S)

HEAD = """\
# Makes the course ready wherever this notebook runs. In Colab or Kaggle: installs the
# course's package (the first time: a few minutes) and puts your exercise files beside
# this notebook. In the course folder (make lab, a hub, Binder): nothing to do.
try:
    from lesson_pkg.workspace import prepare_workspace
"""
INSTALL = """\
except ModuleNotFoundError:
    %pip install --quiet "{requirement}"
    from lesson_pkg.workspace import prepare_workspace
"""
NO_REPOSITORY = """\
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        "lesson_pkg is not installed, and this copy of the course names no repository to "
        "install it from. On your machine: run `make lab` in the course folder (see its "
        "README). For Colab or Kaggle, the course's maintainers set REPOSITORY_URL in "
        "lesson_pkg/course.py and run `python tools/launch.py`, which rewrites this cell."
    ) from missing
"""
TAIL = "exercises_folder = prepare_workspace()"  # an assignment: the cell shows nothing


def first_cell_source(repository: str = "", ref: str = course.RELEASE_TAG) -> str:
    """The first code cell of every notebook, for the course's repository and release."""
    requirement = course.package_requirement(repository, ref)
    middle = INSTALL.format(requirement=requirement) if requirement else NO_REPOSITORY
    return HEAD + middle + TAIL


def with_first_cell(notebook: nbformat.NotebookNode, source: str) -> bool:
    """Insert the first cell before ``notebook``'s first code cell, or update it.

    Returns whether the notebook changed.
    """
    for cell in notebook.cells:
        if cell.get("id") == CELL_ID:
            if cell.source == source:
                return False
            cell.source = source
            return True
    cell = nbformat.v4.new_code_cell(source)
    cell.id = CELL_ID
    first_code = next(
        (index for index, each in enumerate(notebook.cells) if each.cell_type == "code"),
        len(notebook.cells),
    )
    notebook.cells.insert(first_code, cell)
    return True


def readme_links(repository: str = "", ref: str = course.RELEASE_TAG) -> str:
    """The README's launch table (empty when the repository is not on GitHub)."""
    rows = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        name = f"notebooks/{path.name}"
        colab = course.colab_url(name, repository, ref)
        kaggle = course.kaggle_url(name, repository, ref)
        if colab is None or kaggle is None:
            return ""
        rows.append(f"| `{path.stem}` | [Open in Colab]({colab}) | [Open in Kaggle]({kaggle}) |")
    header = "| lesson | Colab | Kaggle |\n|---|---|---|\n"
    return header + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    args = parser.parse_args(argv)
    stale = []
    source = first_cell_source()
    for path in args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if with_first_cell(notebook, source):
            stale.append(path)
            if not args.check:
                nbformat.write(notebook, path)
    readme = README.read_text()
    updated = BLOCK.sub(lambda match: match[1] + readme_links() + match[2], readme)
    if updated != readme:
        stale.append(README)
        if not args.check:
            README.write_text(updated)
    for path in stale:
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        print(f"{'out of date' if args.check else 'updated'}: {shown}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
