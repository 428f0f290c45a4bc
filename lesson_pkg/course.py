"""Where the course lives: its repository, its release, the hubs that run it (set here only).

Everything that links to the course or installs it reads these values: the site's
launch buttons (``docs/conf.py``), the README's "Open in Colab" and "Open in Kaggle"
links and every notebook's first cell (``tools/launch.py`` writes both). A value
left empty means "not offered": no link is made for it, never a placeholder.
"""

from __future__ import annotations

import re

from lesson_pkg import __version__

# The course's public repository, e.g. "https://github.com/ORG/loss-epochs-accuracy".
# Colab and Kaggle open notebooks from GitHub only.
REPOSITORY_URL = ""
# The branch Binder and the JupyterHub (nbgitpuller) check out.
REPOSITORY_BRANCH = "main"
# The git tag of this release: Colab and Kaggle open the notebooks at this tag, and their
# first cell installs the package from the same tag, so notebook and package agree.
RELEASE_TAG = f"v{__version__}"
# Your JupyterHub, e.g. "https://hub.example.edu" (empty: no JupyterHub button).
JUPYTERHUB_URL = ""
# A BinderHub; mybinder.org is public and free.
BINDERHUB_URL = "https://mybinder.org"

COLAB_URL = "https://colab.research.google.com"
KAGGLE_URL = "https://kaggle.com"
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")


def github_repository(url: str = "") -> tuple[str, str] | None:
    """(owner, name) of a GitHub repository URL, or None when it is not one.

    >>> github_repository("https://github.com/pytorch/tutorials")
    ('pytorch', 'tutorials')
    >>> github_repository("https://gitlab.com/a/b") is None
    True
    """
    match = _GITHUB.match(url or REPOSITORY_URL)
    return (match["owner"], match["name"]) if match else None


def colab_url(notebook: str, repository: str = "", ref: str = RELEASE_TAG) -> str | None:
    """The "Open in Colab" address of ``notebook`` (``notebooks/01_....ipynb``), or None.

    None when the repository is not configured or not on GitHub.

    >>> colab_url("notebooks/00.ipynb", "https://github.com/o/course", "v1")
    'https://colab.research.google.com/github/o/course/blob/v1/notebooks/00.ipynb'
    """
    found = github_repository(repository)
    if found is None:
        return None
    return f"{COLAB_URL}/github/{found[0]}/{found[1]}/blob/{ref}/{notebook}"


def kaggle_url(notebook: str, repository: str = "", ref: str = RELEASE_TAG) -> str | None:
    """The "Open in Kaggle" address of ``notebook``, or None (as :func:`colab_url`).

    >>> kaggle_url("notebooks/00.ipynb", "https://github.com/o/course", "v1")
    'https://kaggle.com/kernels/welcome?src=https://github.com/o/course/blob/v1/notebooks/00.ipynb'
    """
    found = github_repository(repository)
    if found is None:
        return None
    source = f"https://github.com/{found[0]}/{found[1]}/blob/{ref}/{notebook}"
    return f"{KAGGLE_URL}/kernels/welcome?src={source}"


def package_requirement(repository: str = "", ref: str = RELEASE_TAG) -> str | None:
    """What ``pip install`` takes to install this release from the repository, or None.

    >>> package_requirement("https://github.com/o/course", "v1")
    'lesson-pkg @ git+https://github.com/o/course@v1'
    """
    url = (repository or REPOSITORY_URL).removesuffix("/")
    if not url:
        return None
    return f"lesson-pkg @ git+{url}@{ref}"
