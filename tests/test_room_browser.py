"""The live room for real: `lesson room` as a process, learners as processes, the dashboard
in Debian's Chromium (headless, through Playwright).

The acceptance test runs 20 `check()` calls, each in a process of its own with LESSON_ROOM
set, and reads them back from /api/summary and from the dashboard. The dashboard must
follow simulated learners without a reload, load nothing from elsewhere, show a hostile
display name as text, and pass axe-core's WCAG 2.1 A and AA rules with zero violations.
A screenshot goes to ``artifacts/screenshots/room_dashboard.png``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from lesson_pkg.room.client import RoomClient

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WCAG_21_AA = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
HOSTILE_NAME = '<img src=x onerror="document.title=1">'
LEARNER = (
    "import sys\n"
    "from lesson_pkg.checks import check\n"
    "from lesson_pkg.grading.exercises import ex01_losses\n"
    "from lesson_pkg.losses import mse_loss\n"
    "function = mse_loss if int(sys.argv[1]) % 2 else ex01_losses.mse_sum_instead_of_mean\n"
    "check(function, name='mse_loss')\n"
)


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("LESSON_ROOM")}


def start_room(folder: Path, *options: str) -> tuple[subprocess.Popen, str, str]:
    """`lesson room` on a free loopback port: the process, the dashboard and join URLs."""
    log = folder / "room.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "lesson_pkg.cli", "room", "--port", "0",
         "--db", str(folder / "room.sqlite3"), *options],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=_environment(),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not re.search(r"Learners join with: (\S+)", log.read_text()):
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "lesson room printed no addresses in 120 s"
        time.sleep(0.2)
    text = log.read_text()
    dashboard = re.search(r"Dashboard \(instructor only, keep it private\): (\S+)", text)[1]
    return server, dashboard, re.search(r"Learners join with: (\S+)", text)[1]


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def summary_of(dashboard: str) -> dict:
    with urllib.request.urlopen(dashboard.replace("/dashboard?", "/api/summary?")) as response:
        return json.load(response)


def row(summary: dict, function: str) -> dict:
    return next(each for each in summary["functions"] if each["function"] == function)


def open_dashboard(browser, dashboard: str, outside: list[str]):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    host = urlsplit(dashboard).netloc
    page.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc != host else 0)
    page.goto(dashboard)
    return page


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A room whose learners count as idle after 3 s without a pass."""
    server, dashboard, join = start_room(tmp_path_factory.mktemp("room"), "--idle-minutes", "0.05")
    yield dashboard, join
    stop(server)


def test_lesson_room_counts_20_checks_from_20_processes_and_the_dashboard_shows_them(
    browser, tmp_path
):
    server, dashboard, join = start_room(tmp_path)
    try:

        def learner(seat: int) -> subprocess.CompletedProcess:
            environment = {**_environment(), "LESSON_ROOM": join, "LESSON_ROOM_NAME": f"s{seat}"}
            return subprocess.run(
                [sys.executable, "-c", LEARNER, str(seat)],
                env=environment, capture_output=True, text=True, timeout=300,
            )  # fmt: skip

        with ThreadPoolExecutor(4) as pool:
            finished = list(pool.map(learner, range(20)))
        assert all(done.returncode == 0 and not done.stderr for done in finished), finished
        summary = summary_of(dashboard)
        assert (summary["results"], summary["learners"]) == (20, 20)
        mse = row(summary, "mse_loss")
        assert (mse["tried"], mse["passed"]) == (20, 10)
        assert (mse["mistake"]["id"], mse["mistake"]["count"]) == ("mse_sum_instead_of_mean", 10)
        outside: list[str] = []
        page = open_dashboard(browser, dashboard, outside)
        assert "20 learners, 20 results" in page.locator("#live > p").first.inner_text()
        cells = page.locator("tr", has=page.locator("th", has_text="mse_loss")).inner_text()
        assert "10 (50%)" in cells and "mse_sum_instead_of_mean: 10" in cells
        page.close()
        assert outside == []
    finally:
        stop(server)


def test_the_dashboard_follows_simulated_learners_without_a_reload(browser, room):
    dashboard, join = room
    before = summary_of(dashboard)
    outside: list[str] = []
    page = open_dashboard(browser, dashboard, outside)
    page.evaluate("() => { window.notReloaded = true; }")
    learners = [RoomClient(join, f"simulated {seat}") for seat in range(6)]
    for attempt in range(2):  # a wrong answer, then every other learner fixes it
        for seat, learner in enumerate(learners):
            passed = attempt == 1 and seat % 2 == 0
            mistake = "" if passed else "binary_accuracy_ignores_threshold"
            learner.submit("ex03_accuracy", "binary_accuracy", 4 if passed else 1, 4, mistake)
        time.sleep(0.5)
    assert all(learner.flush(10) for learner in learners)
    total = before["results"] + 12
    page.wait_for_function(
        f"() => document.querySelector('#live > p').textContent.includes('{total} results')",
        timeout=30_000,
    )
    cells = page.locator("tr", has=page.locator("th", has_text="binary_accuracy")).inner_text()
    assert "\t6\t3 (50%)" in cells, cells
    assert page.evaluate("() => window.notReloaded") is True
    assert all(learner.sent == 2 and learner.failed == 0 for learner in learners)
    page.close()
    assert outside == []


def test_the_dashboard_shows_a_hostile_name_as_text_and_passes_axe(browser, room):
    dashboard, join = room
    hostile, passing = RoomClient(join, HOSTILE_NAME), RoomClient(join, "seat 2")
    hostile.submit("ex01_losses", "mse_loss", 0, 7, "mse_not_squared")
    passing.submit("ex01_losses", "mse_loss", 7, 7, "")  # a pass: the timeline has a point
    assert hostile.flush(10) and passing.flush(10) and hostile.sent == passing.sent == 1
    time.sleep(3.5)  # idle for the room's 0.05 minutes: the idle table shows the name
    outside: list[str] = []
    page = open_dashboard(browser, dashboard, outside)
    page.wait_for_load_state("networkidle")
    assert HOSTILE_NAME in page.locator("#idle-heading + table").inner_text()
    assert page.locator("img").count() == 0 and page.title() == "Lesson room"
    assert page.locator("svg[role=img] title").count() == 1  # the timeline is drawn
    result = Axe().run(page, options={"runOnly": WCAG_21_AA})
    violations = {rule["id"]: len(rule["nodes"]) for rule in result.response["violations"]}
    assert violations == {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "room_dashboard.png"), full_page=True)
    page.close()
    assert outside == []
