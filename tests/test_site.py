"""The published course (`make html`): a Sphinx + myst-nb book site that everyone can use.

The site is built as `make html` builds it (offline, from the stored outputs, warnings as
errors), served from 127.0.0.1 and read in Debian's Chromium, headless. Every page must
pass axe-core's WCAG 2.1 A and AA rules with zero violations, in the light and the dark
theme, and load nothing from outside the site. Screenshots of the home page and a lesson
go to ``artifacts/screenshots/``.

axe-core is pinned: the release below is kept in ``tests/vendor/`` (MPL-2.0, its licence
beside it), so the check is the same offline and on every machine. To move to a newer
release, check it first: ``npm pack axe-core@VERSION``, put its ``package/axe.min.js`` and
``LICENSE`` in ``tests/vendor/axe-core-VERSION/``, set ``AXE_CORE_VERSION``, run this file,
and fix what the new rules find before committing.

Three builds: the students' site (``make html``: no launch link is configured here, and
no instructors' page), the instructors' (``-t instructors``) and one with every launch
link configured (``-D launch_...``, as ``lesson_pkg/course.py`` would set them).
"""

import functools
import http.server
import io
import itertools
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE_CORE_VERSION = "4.14.1"
AXE_CORE = ROOT / "tests" / "vendor" / f"axe-core-{AXE_CORE_VERSION}" / "axe.min.js"
REPOSITORY = "https://github.com/example-org/loss-course"  # a configured build's settings
HUB, TAG = "https://hub.example.edu", "v9.9.9"
CONFIGURED = [
    f"-Dlaunch_repository_url={REPOSITORY}",
    f"-Dlaunch_jupyterhub_url={HUB}",
    f"-Dlaunch_release_tag={TAG}",
    "-Dlaunch_repository_branch=main",
]
INSTRUCTORS_PAGES = {"instructor-guide.html", "design.html"}
WCAG_21_AA = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
SPHINX = [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html"]  # as `make html`


def _build(source: Path, out: Path, *options: str) -> str:
    """Build the site; return what the build printed on stderr."""
    result = subprocess.run(
        [*SPHINX, *options, str(source), str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


@pytest.fixture(scope="module")
def students_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "html"
    return out, _build(ROOT / "docs", out)


@pytest.fixture(scope="module")
def site(students_build):
    return students_build[0]


@pytest.fixture(scope="module")
def full_site(tmp_path_factory):
    """The instructors' site with every launch link configured."""
    out = tmp_path_factory.mktemp("full") / "html"
    _build(ROOT / "docs", out, "-t", "instructors", *CONFIGURED)
    return out


@pytest.fixture(scope="module")
def served(site):
    """The built site on a loopback HTTP server; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


def _pages(site: Path) -> list[str]:
    return sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not path.relative_to(site).parts[0].startswith("_")
    )


def _open(browser, base: str, name: str, outside: list[str], scheme: str = "light"):
    """A page of the site; any request that leaves the site is refused and recorded."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)

    def only_the_site(route):
        if route.request.url.startswith((base, "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_site)
    page.goto(base + name, wait_until="load")
    return page


def test_the_site_has_the_lessons_in_order_the_readme_and_search(site):
    lessons = [f"notebooks/{path.stem}.html" for path in NOTEBOOKS]
    pages = _pages(site)
    assert {*lessons, "index.html", "readme.html"} <= set(pages)
    assert "search.html" in pages and (site / "searchindex.js").exists()
    home = (site / "index.html").read_text()
    positions = [home.index(f'href="{lesson}"') for lesson in lessons]
    assert positions == sorted(positions)
    for previous, lesson, following in zip(lessons, lessons[1:], lessons[2:], strict=False):
        text = (site / lesson).read_text()
        assert re.search(rf'class="left-prev"\s+href="{Path(previous).name}"', text), lesson
        assert re.search(rf'class="right-next"\s+href="{Path(following).name}"', text), lesson


def test_the_students_site_has_no_instructors_page_the_instructors_site_has_them(site, full_site):
    assert not INSTRUCTORS_PAGES & set(_pages(site))
    for page in _pages(site):
        text = (site / page).read_text()
        assert "instructor-guide.html" not in text and "design.html" not in text, page
    assert INSTRUCTORS_PAGES <= set(_pages(full_site))
    assert 'href="instructor-guide.html"' in (full_site / "index.html").read_text()


def test_without_a_repository_no_launch_link_and_the_build_says_so(students_build):
    site, stderr = students_build
    assert "no launch links (Binder, JupyterHub, Colab, Kaggle)" in stderr
    for notebook in NOTEBOOKS:
        text = (site / "notebooks" / f"{notebook.stem}.html").read_text()
        assert "launch-buttons" not in text
        for service in ("mybinder.org", "colab.research.google.com", "kaggle.com", "git-pull"):
            assert service not in text, (notebook.name, service)


def test_each_lesson_offers_its_notebook_and_the_configured_launch_links(site, full_site):
    org, repo = urlsplit(REPOSITORY).path.strip("/").split("/")
    for notebook in NOTEBOOKS:
        download = site / "_sources" / "notebooks" / notebook.name
        assert download.read_bytes() == notebook.read_bytes()
        text = (full_site / "notebooks" / f"{notebook.stem}.html").read_text()
        text = text.replace("&amp;", "&")
        assert f'href="../_sources/notebooks/{notebook.name}"' in text
        binder = f"https://mybinder.org/v2/gh/{org}/{repo}/main?urlpath=lab/tree/notebooks/{notebook.name}"
        assert f'href="{binder}"' in text
        colab = f"https://colab.research.google.com/github/{org}/{repo}/blob/{TAG}/notebooks/{notebook.name}"
        assert f'href="{colab}"' in text
        kaggle = f"https://kaggle.com/kernels/welcome?src=https://github.com/{org}/{repo}/blob/{TAG}/notebooks/{notebook.name}"
        assert f'href="{kaggle}"' in text
        hub = text.split(f'href="{HUB}/hub/user-redirect/git-pull?', 1)[1]
        query = parse_qs(hub.split('"', 1)[0])
        assert query == {
            "repo": [REPOSITORY],
            "branch": ["main"],
            "urlpath": [f"lab/tree/{repo}/notebooks/{notebook.name}"],
        }


def test_every_figure_is_on_its_page_with_the_alt_text_stored_beside_it(site):
    for notebook in NOTEBOOKS:
        text = (site / "notebooks" / f"{notebook.stem}.html").read_text()
        outputs = [
            output
            for cell in nbformat.read(notebook, 4).cells
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        ]
        assert text.count('src="../_images/') == len(outputs), notebook.name
        for output in outputs:
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            if alt:
                escaped = alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
                assert f'alt="{escaped.replace(">", "&gt;")}"' in text, notebook.name


PNG_1x1 = (  # one pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_an_image_output_alt_in_its_metadata_becomes_the_img_alt(tmp_path):
    """A notebook whose figure carries alt text as nbconvert reads it, built by the site's conf."""
    source = tmp_path / "source"
    source.mkdir()
    with_alt = nbformat.v4.new_output(
        "display_data",
        data={"image/png": PNG_1x1, "text/plain": "<Figure>"},
        metadata={"image/png": {"alt": 'Line chart: loss falls from 0.63 to 0.21 ("good")'}},
    )
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# A figure"),
            nbformat.v4.new_code_cell("plot()", outputs=[with_alt]),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, source / "index.ipynb")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'output_alt_text']\nnb_execution_mode = 'off'\n"
    )
    _build(source, tmp_path / "html")
    text = (tmp_path / "html" / "index.html").read_text()
    assert 'alt="Line chart: loss falls from 0.63 to 0.21 (&quot;good&quot;)"' in text


HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(heading => heading.checkVisibility())
    .map(heading => Number(heading.tagName[1]))"""
TABLES_WITHOUT_HEADERS = """() => [...document.querySelectorAll('main table')]
    .filter(table => !table.querySelector('th')).length"""


def _serve(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def test_the_pinned_axe_core_is_the_one_run():
    assert AXE_CORE.read_text()[:40].startswith(f"/*! axe v{AXE_CORE_VERSION}")


@pytest.mark.parametrize("build", ["students", "instructors with every launch link"])
def test_every_page_passes_axe_wcag_21_aa_in_both_themes_and_loads_nothing_outside(
    browser, site, full_site, build
):
    folder = site if build == "students" else full_site
    server, base = _serve(folder)
    axe = Axe.from_file(AXE_CORE)
    violations, outside = {}, []
    try:
        for name in _pages(folder):
            for scheme in ("light", "dark"):
                page = _open(browser, base, name, outside, scheme)
                page.wait_for_load_state("networkidle")
                result = axe.run(page, options={"runOnly": WCAG_21_AA})
                assert page.evaluate("() => axe.version") == AXE_CORE_VERSION
                for rule in result.response["violations"]:
                    violations[f"{name} ({scheme}): {rule['id']}"] = len(rule["nodes"])
                if scheme == "light":
                    levels = page.evaluate(HEADINGS)
                    assert levels.count(1) == 1 and levels[0] == 1, (name, levels)
                    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (name, levels)
                    assert page.evaluate(TABLES_WITHOUT_HEADERS) == 0, name
                page.close()
    finally:
        server.shutdown()
    assert violations == {}
    assert outside == []


def test_math_is_typeset_as_text_by_the_sites_own_mathjax(browser, served):
    outside = []
    page = _open(browser, served, "notebooks/01_loss_functions.html", outside)
    page.wait_for_function("() => window.MathJax?.startup?.promise")
    page.evaluate("() => MathJax.startup.promise")
    sources = page.locator(".math").count()
    assert sources > 0
    assert page.locator(".math mjx-container").count() == sources
    assert page.locator(".math mjx-assistive-mml math").count() == sources  # for readers
    assert page.locator(".math img").count() == 0 and outside == []
    page.close()


def test_search_finds_a_lesson(browser, served):
    page = _open(browser, served, "search.html?q=cross-entropy", [])
    page.wait_for_selector("#search-results li a", timeout=30_000)
    hits = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
    assert any(hit.split("?")[0].endswith("notebooks/01_loss_functions.html") for hit in hits)
    page.close()


def test_screenshots_of_the_home_page_and_a_lesson(browser, served):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, picture in [
        ("index.html", "site_home.png"),
        ("notebooks/02_loss_vs_epoch.html", "site_lesson_02.png"),
    ]:
        page = _open(browser, served, name, [])
        page.wait_for_load_state("networkidle")
        figures = page.locator('main img[src*="_images/"]')
        if figures.count():  # a lesson: its first figure in view
            figures.first.scroll_into_view_if_needed()
        png = page.screenshot(full_page=False)
        (SCREENSHOTS / picture).write_bytes(png)
        assert io.BytesIO(png).read(8) == b"\x89PNG\r\n\x1a\n"
        page.close()


def test_glossary_and_formula_sheet_link_each_entry_to_a_section_that_exists(site):
    """Every entry of both pages links to a lesson section, and each target id is in the
    built lesson (myst-nb's heading anchors), so no link lands at the top of a page."""
    for page, least in [("glossary.html", 40), ("formulas.html", 20)]:
        text = (site / page).read_text()
        links = re.findall(r'href="(notebooks/[0-9]{2}_[a-z_]+\.html)#([^"]+)"', text)
        assert len(links) >= least, (page, len(links))
        for target, anchor in links:
            assert f'id="{anchor}"' in (site / target).read_text(), (page, target, anchor)
