"""Sphinx extension: a notebook figure's alt text on the site is the one stored with it.

A plot's description is stored in its output's metadata, where JupyterLab and nbconvert
read it: ``output["metadata"]["image/png"]["alt"]``. myst-nb names each image file it
writes after the SHA-256 of the image's bytes, and takes only ``width`` and ``height``
from that metadata; this extension gives every image node the alt text stored with the
same bytes, so the site's ``<img alt>`` says what the figure shows.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.application import Sphinx

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")


def stored_alt_texts(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Alt text by the SHA-256 (hex) of the image bytes, for every image output that has one.

    >>> image = {"data": {"image/png": "iVBORw0K"}, "metadata": {"image/png": {"alt": "A"}}}
    >>> cell = {"cell_type": "code", "outputs": [{"output_type": "display_data", **image}]}
    >>> stored_alt_texts(nbformat.from_dict({"cells": [cell]}))
    {'823ceb99fcef5252333ede1b2202341c3b287b6d47571963e6b0ddf393a24f82': 'A'}
    """
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for mime_type in IMAGE_TYPES:
                alt = output.get("metadata", {}).get(mime_type, {}).get("alt")
                content = output.get("data", {}).get(mime_type)
                if alt and content:
                    digest = hashlib.sha256(base64.b64decode(content)).hexdigest()
                    found[digest] = str(alt)
    return found


def add_alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    """Set each notebook image's ``alt`` from the metadata stored with its bytes."""
    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    alt_texts = stored_alt_texts(nbformat.read(source, as_version=4))
    for image in doctree.findall(nodes.image):
        alt = alt_texts.get(Path(image["uri"]).stem)
        if alt is not None:
            image["alt"] = alt


def setup(app: Sphinx) -> dict[str, bool]:
    app.connect("doctree-read", add_alt_texts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
