"""Launch links on every lesson: Binder, JupyterHub (nbgitpuller), Colab and Kaggle.

A link appears only when what it needs is configured (``lesson_pkg/course.py``, read by
``conf.py``): never a placeholder. The build prints, on stderr, which links it leaves
out and what to set (a note, not a Sphinx warning: ``make html`` turns warnings into
errors, and a course without a public repository is a valid course). The links go into
the book theme's launch menu (the rocket), as its own Binder and JupyterHub links did.
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode

from sphinx.application import Sphinx

from lesson_pkg.course import colab_url, github_repository, kaggle_url


def _links(config, notebook: str) -> list[dict[str, str]]:
    """The launch menu's entries for ``notebook`` (its path in the repository)."""
    repository = config.launch_repository_url.removesuffix("/")
    found = github_repository(repository) if repository else None
    if found is None:
        return []
    owner, name = found
    branch, links = config.launch_repository_branch, []
    if config.launch_binderhub_url:
        url = f"{config.launch_binderhub_url.rstrip('/')}/v2/gh/{owner}/{name}/{branch}"
        binder = f"{url}?urlpath=lab/tree/{notebook}"
        links.append(("Binder", "_static/images/logo_binder.svg", binder))
    if config.launch_jupyterhub_url:
        query = urlencode(
            {"repo": repository, "urlpath": f"lab/tree/{name}/{notebook}", "branch": branch},
            safe="/",
        )
        hub = config.launch_jupyterhub_url.rstrip("/")
        pull = f"{hub}/hub/user-redirect/git-pull?{query}"
        links.append(("JupyterHub", "_static/images/logo_jupyterhub.svg", pull))
    ref = config.launch_release_tag
    links.append(("Colab", "_static/images/logo_colab.png", colab_url(notebook, repository, ref)))
    links.append(("Kaggle", "fab fa-kaggle", kaggle_url(notebook, repository, ref)))
    return [
        {"type": "link", "text": text, "tooltip": f"Launch on {text}", "icon": icon, "url": url}
        for text, icon, url in links
    ]


def _add_launch_links(app: Sphinx, pagename: str, templatename: str, context, doctree) -> None:
    if context.get("page_source_suffix") != ".ipynb" or "header_buttons" not in context:
        return
    links = _links(app.config, f"{pagename}.ipynb")
    if links:
        context["header_buttons"].append(
            {
                "type": "group",
                "tooltip": "Launch this lesson",
                "icon": "fas fa-rocket",
                "buttons": links,
                "label": "launch-buttons",
            }
        )


def left_out(config) -> list[str]:
    """One line per launch link this build leaves out, saying what to set."""
    if not config.launch_repository_url:
        return ["no launch links (Binder, JupyterHub, Colab, Kaggle): REPOSITORY_URL is not set"]
    if github_repository(config.launch_repository_url) is None:
        return [f"no launch links: {config.launch_repository_url} is not a GitHub repository"]
    missing = []
    if not config.launch_jupyterhub_url:
        missing.append("no JupyterHub link: JUPYTERHUB_URL is not set")
    if not config.launch_binderhub_url:
        missing.append("no Binder link: BINDERHUB_URL is not set")
    return missing


def _say_what_is_left_out(app: Sphinx) -> None:
    for line in left_out(app.config):
        print(f"note: {line} (lesson_pkg/course.py)", file=sys.stderr)


def setup(app: Sphinx) -> dict[str, bool]:
    """Register the configuration values and the launch menu."""
    app.add_config_value("launch_repository_url", "", "html", str)
    app.add_config_value("launch_repository_branch", "main", "html", str)
    app.add_config_value("launch_release_tag", "main", "html", str)
    app.add_config_value("launch_jupyterhub_url", "", "html", str)
    app.add_config_value("launch_binderhub_url", "", "html", str)
    app.connect("builder-inited", _say_what_is_left_out)
    app.connect("html-page-context", _add_launch_links, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
