"""Render the executed course to a static site: ``python tools/build_html.py [OUT]``.

Each notebook becomes one HTML page with its stored outputs, plots embedded as images;
``index.html`` lists the lessons in course order (``make html``, into ``dist/html``).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The notebook's first heading, such as "01 · Loss functions"."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return fallback


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _static_widgets(notebook: nbformat.NotebookNode) -> None:
    """Let each interactive explorer show its static picture: a page has no live kernel."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                del data[WIDGET_VIEW]


def build(out: Path) -> list[Path]:
    """Write one page per notebook and an index to ``out``; return the pages in order."""
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    pages, links = [], []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        _static_widgets(notebook)
        body, _ = exporter.from_notebook_node(notebook)
        page = out / f"{path.stem}.html"
        page.write_text(body)
        pages.append(page)
        links.append(
            f'<li><a href="{page.name}">{html.escape(_title(notebook, path.stem))}</a></li>'
        )
    index = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        "<title>Loss, Epochs &amp; Accuracy</title></head>\n<body>\n"
        "<h1>Loss, Epochs &amp; Accuracy</h1>\n<p>The lessons, in order:</p>\n<ol>\n"
        + "\n".join(links)
        + "\n</ol>\n</body></html>\n"
    )
    (out / "index.html").write_text(index)
    return pages


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("dist/html")
    for page in build(target):
        print(f"wrote {page}")
    print(f"wrote {target / 'index.html'}")
