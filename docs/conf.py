"""The course site: Sphinx, myst-nb and sphinx-book-theme, built offline (``make html``).

The lessons are rendered from the outputs stored in ``notebooks/`` (``docs/notebooks`` is
a link to it); nothing is executed and nothing is fetched from the network, at build time
or when the site is read (MathJax is served from the site itself).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

# Where learners run the lessons: set these three for your course (the only place).
# The launch buttons of every lesson link to Binder and, through nbgitpuller, to the hub.
REPOSITORY_URL = "https://github.com/your-org/loss-epochs-accuracy"
REPOSITORY_BRANCH = "main"
JUPYTERHUB_URL = "https://hub.example.org"
BINDERHUB_URL = "https://mybinder.org"

project = "Loss, Epochs & Accuracy"
author = "the course's authors"
language = "en"

extensions = ["myst_nb", "sphinx-mathjax-offline", "output_alt_text"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
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
    "repository_url": REPOSITORY_URL,
    "repository_branch": REPOSITORY_BRANCH,
    "path_to_docs": "",  # docs/notebooks/X.ipynb is notebooks/X.ipynb in the repository
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "launch_buttons": {
        "binderhub_url": BINDERHUB_URL,
        "jupyterhub_url": JUPYTERHUB_URL,
        "notebook_interface": "jupyterlab",
    },
    # highlighting colours of at least 4.5:1 contrast (accessible-pygments)
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
    "show_toc_level": 2,
}
