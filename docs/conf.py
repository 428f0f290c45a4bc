"""The course site: Sphinx, myst-nb and sphinx-book-theme, built offline (``make html``).

The lessons are rendered from the outputs stored in ``notebooks/`` (``docs/notebooks`` is
a link to it); nothing is executed and nothing is fetched from the network, at build time
or when the site is read (MathJax is served from the site itself).
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from lesson_pkg import course  # the one place the course's addresses are set

# The launch links of every lesson (Binder, JupyterHub, Colab, Kaggle), each made only when
# configured in lesson_pkg/course.py; the build notes on stderr which it leaves out.
launch_repository_url = course.REPOSITORY_URL
launch_repository_branch = course.REPOSITORY_BRANCH
launch_release_tag = course.RELEASE_TAG
launch_jupyterhub_url = course.JUPYTERHUB_URL
launch_binderhub_url = course.BINDERHUB_URL

# `make html` builds the students' site; `make html-instructors` (sphinx -t instructors)
# adds the instructors' pages, which the students' site leaves out.
INSTRUCTORS_PAGES = ["instructor-guide", "design"]
INSTRUCTORS = tags.has("instructors")  # noqa: F821  (Sphinx defines `tags` in conf.py)

project = "Loss, Epochs & Accuracy"
author = "the course's authors"
language = "en"

extensions = ["myst_nb", "sphinx-mathjax-offline", "output_alt_text", "launch_links"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
if not INSTRUCTORS:
    exclude_patterns += [f"{page}.md" for page in INSTRUCTORS_PAGES]
# notebooks/ holds the lessons (two digits, an underscore, a name) and nothing else
include_patterns = ["*.md", "notebooks/[0-9][0-9]_*.ipynb"]
suppress_warnings = ["myst.header"]  # the README's first heading is a level-1 title too

# The stored outputs are the lesson (nbval checks them); the site never re-runs a cell.
nb_execution_mode = "off"
# An explorer's live slider needs a kernel: the site shows the picture stored beside it,
# and loads no widget JavaScript from a CDN.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = project
html_last_updated_fmt = None
html_show_sphinx = False
html_show_copyright = False
html_theme_options = {
    "repository_url": course.REPOSITORY_URL,
    "repository_branch": course.REPOSITORY_BRANCH,
    "path_to_docs": "",  # docs/notebooks/X.ipynb is notebooks/X.ipynb in the repository
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    # highlighting colours of at least 4.5:1 contrast (accessible-pygments)
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
    "show_toc_level": 2,
}
# the search button's accessible name holds its visible text (WCAG 2.5.3): _templates/
templates_path = ["_templates"]

INSTRUCTORS_BLOCK = re.compile(r"<!-- instructors -->.*?<!-- /instructors -->\n?", re.S)
INSTRUCTORS_LINK = re.compile(
    r"\[([^\]]+)\]\((?:docs/)?(?:" + "|".join(INSTRUCTORS_PAGES) + r")\.md(?:#[^)]*)?\)"
)


def students_only(app, docname, source) -> None:
    """In the students' site: no instructors' toctree, and links to their pages as text."""
    if not INSTRUCTORS:
        source[0] = INSTRUCTORS_LINK.sub(r"\1", INSTRUCTORS_BLOCK.sub("", source[0]))


def students_only_include(app, path, docname, source) -> None:
    students_only(app, docname, source)


def setup(app) -> None:
    app.connect("source-read", students_only)
    app.connect("include-read", students_only_include)
