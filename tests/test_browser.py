"""The course as a learner meets it: `make lab`, a browser tab, and every notebook run there.

JupyterLab is started by `make lab` itself (loopback only, a free port, a token) and
driven by Playwright in Debian's Chromium, headless. Each notebook is run from the top in
a fresh kernel through the JupyterLab UI; the test checks that no cell shows an error,
that every plot rendered as an image, and saves a full-page screenshot to
``artifacts/screenshots/``. The server is always stopped, even when a test fails.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen, not other tabs
LAB_SETTINGS = {  # every cell rendered (every plot in the page), no news pop-up, no saving
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` on loopback with a token; yields its base URL and token, then stops it.

    Running the course must not write to it: after the server stops, every notebook
    file must be byte for byte what it was (a changed one is put back, and the test errs).
    """
    stored = {path: path.read_bytes() for path in NOTEBOOKS}
    folder = tmp_path_factory.mktemp("lab")
    for name, settings in LAB_SETTINGS.items():
        path = folder / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    port, token = _free_port(), os.urandom(16).hex()
    arguments = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
        f"--expose-app-in-browser --LabApp.user_settings_dir={folder / 'settings'}"
    )
    environment = {
        key: value for key, value in os.environ.items() if key != "LESSON_PKG_PLAIN_OUTPUT"
    }  # the live displays, as learners see them
    log_path = folder / "lab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            ["make", "lab", f"ARGS={arguments}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=environment,
        )
    try:
        deadline = time.monotonic() + 180
        # the first lesson's URL, which `lesson lab` prints once the server listens
        first_lesson = (
            rf"The first lesson: http://127\.0\.0\.1:{port}/lab/tree/notebooks/00_start_here"
        )
        while not re.search(first_lesson, log_path.read_text()):
            assert server.poll() is None, f"make lab exited:\n{log_path.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "make lab printed no URL in 180 s"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        changed = [path.name for path, content in stored.items() if path.read_bytes() != content]
        for path, content in stored.items():
            path.write_bytes(content)
        assert not changed, f"JupyterLab saved over the stored notebooks {changed}"


def _open(browser, lab, notebook: str):
    url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/notebooks/{notebook}?reset&token={token}")  # a clean workspace
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp !== undefined")
    return page


KERNEL_READY = """() => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;
    return kernel?.status === 'idle' && kernel?.connectionStatus === 'connected';
}"""
PROMPTS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'
)].map(prompt => prompt.textContent.trim())"""
RUN_SECONDS = 300  # the slowest notebook takes about 20 s here; shared CI machines are slower


def _run_all_in_a_fresh_kernel(page) -> None:
    """Clear the stored outputs, then Run > Run All Cells in the kernel the page started.

    Each step waits for the state it needs: the new kernel connected and idle (no
    restart: restarting a kernel that is still connecting can leave JupyterLab waiting
    for it forever, jupyter-server issue 1265), every prompt empty after clearing, so
    that stored prompts cannot pass for a run, and at the end the prompts [1]..[n] of a
    run from the top in a fresh kernel, with the kernel idle again.
    """
    page.wait_for_function(KERNEL_READY, timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(f"() => ({PROMPTS})().every(prompt => prompt === '[ ]:')")
    expected = [f"[{count}]:" for count in range(1, len(page.evaluate(PROMPTS)) + 1)]
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    try:
        page.wait_for_function(
            f"expected => JSON.stringify(({PROMPTS})()) === JSON.stringify(expected)"
            f" && ({KERNEL_READY})()",
            arg=expected,
            timeout=RUN_SECONDS * 1000,
        )
    except PlaywrightTimeoutError:
        pytest.fail(
            f"the notebook did not finish in {RUN_SECONDS} s; prompts {page.evaluate(PROMPTS)}"
        )


def _shut_down_kernel(page) -> None:
    """Stop the notebook's kernel, so that kernels do not pile up across the tests."""
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


def _stored_images(path: Path) -> int:
    notebook = nbformat.read(path, as_version=4)
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_make_lab_serves_the_course_page_and_the_notebook_listing(lab):
    url, token = lab
    with urllib.request.urlopen(f"{url}/lab?token={token}", timeout=30) as response:
        assert response.status == 200 and "JupyterLab" in response.read().decode()
    with urllib.request.urlopen(
        f"{url}/api/contents/notebooks?token={token}", timeout=30
    ) as response:
        listing = json.loads(response.read())
    assert sorted(item["name"] for item in listing["content"] if item["type"] == "notebook") == [
        path.name for path in NOTEBOOKS
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_each_notebook_runs_in_the_browser_without_errors(browser, lab, notebook):
    page = _open(browser, lab, notebook.name)
    try:
        _run_all_in_a_fresh_kernel(page)
        page.wait_for_timeout(1000)  # the last display updates
        errors = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        tracebacks = page.locator(
            ".jp-OutputArea-output .jp-RenderedText[data-mime-type="
            '"application/vnd.jupyter.error"], .jp-OutputArea-output pre:has-text("Traceback")'
        )
        assert errors.count() == 0 and tracebacks.count() == 0
        images = page.locator(".jp-RenderedImage img, .jupyter-widgets img")
        assert images.count() >= _stored_images(notebook)
        for index in range(images.count()):
            assert images.nth(index).evaluate("image => image.complete && image.naturalWidth > 0")
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{notebook.stem}.png", full_page=True)
        _shut_down_kernel(page)
        page.close()


def test_the_learning_rate_slider_redraws_the_plot(browser, lab):
    page = _open(browser, lab, "02_loss_vs_epoch.ipynb")
    try:
        _run_all_in_a_fresh_kernel(page)
        picture = page.locator(f"{PANEL} .jupyter-widgets img").first
        picture.wait_for(timeout=60_000)
        before = picture.get_attribute("src")
        handle = page.locator(f"{PANEL} .widget-slider .noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(
            "([image, old]) => image.getAttribute('src') !== old",
            arg=[picture.element_handle(), before],
            timeout=60_000,
        )
        assert picture.get_attribute("src") != before
    finally:
        page.screenshot(path=SCREENSHOTS / "02_explorer_after_slider.png")
        _shut_down_kernel(page)
        page.close()
