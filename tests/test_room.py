"""The live room (`lesson room`): the app in-process, the learners' client, and the real thing.

The app runs in-process under Starlette's TestClient with a clock the tests move; every
endpoint is called with and without its token, and every bad input is refused with a 4xx
status while the store stays empty. The client is tested against small servers that
record, refuse, or never answer. `lesson room` as a real process, with real learners'
processes and a browser, is in test_room_browser.py.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lesson_pkg import checks
from lesson_pkg.cli import main as lesson
from lesson_pkg.grading.exercises import (
    cases_for,
    ex01_losses,
    graded,
    graded_functions,
    mistakes_for,
)
from lesson_pkg.room import app as room_app
from lesson_pkg.room import client, server
from lesson_pkg.room.catalogue import catalogue
from lesson_pkg.room.store import Store, delete_room

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "0123456789abcdef"
MSE_POINTS = sum(case.points for case in cases_for(function="mse_loss"))
HOSTILE_NAME = "<script>alert(1)</script><b>=1+1</b>"


class Room:
    """The app on a fresh store, with a clock the test sets."""

    def __init__(self, path: Path, idle_minutes: float = 10.0) -> None:
        self.now = 1_000_000.0
        self.store = Store(path)
        self.tokens = self.store.tokens()
        app = room_app.create_app(self.store, catalogue(), idle_minutes, clock=lambda: self.now)
        self.http = TestClient(app)

    def post(self, body: bytes | dict, token: str | None = None, **headers: str):
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        return self.http.post(
            f"/join/{token or self.tokens.join}",
            content=data,
            headers={"Content-Type": "application/json", **headers},
        )

    def learner(self, kernel: str = KERNEL, **fields) -> dict:
        """Post a result (valid unless ``fields`` say otherwise) and check it was stored."""
        result = outcome(kernel=kernel, **fields)
        response = self.post(result)
        assert response.status_code == 201, response.text
        return result

    def summary(self) -> dict:
        response = self.http.get("/api/summary", params={"token": self.tokens.instructor})
        assert response.status_code == 200
        return response.json()

    def row(self, function: str) -> dict:
        return next(row for row in self.summary()["functions"] if row["function"] == function)


def outcome(**fields) -> dict:
    """A valid post, as the client sends it, with ``fields`` changed."""
    return {
        "exercise": "ex01_losses",
        "function": "mse_loss",
        "points": MSE_POINTS,
        "max_points": MSE_POINTS,
        "mistake": "",
        "name": "seat 1",
        "kernel": KERNEL,
        "time": 1_000_000.0,
        **fields,
    }


@pytest.fixture
def room(tmp_path):
    room = Room(tmp_path / "room.sqlite3")
    yield room
    room.store.close()


# --- the app: what it stores and shows --------------------------------------------------


def test_a_post_is_stored_and_counted_per_function(room):
    response = room.post(outcome())
    assert response.status_code == 201
    assert room.store.count() == 1
    summary = room.summary()
    assert (summary["learners"], summary["results"]) == (1, 1)
    assert room.row("mse_loss") == {
        "function": "mse_loss",
        "exercise": "ex01_losses",
        "tried": 1,
        "passed": 1,
        "mistake": None,
    }
    assert room.row("mae_loss")["tried"] == 0


def test_the_summary_counts_each_learners_latest_result_and_the_commonest_mistake(room):
    room.learner("learner-a", points=2, mistake="mse_not_squared")
    room.learner("learner-a")  # then fixed it: passes now
    room.learner("learner-b", points=2, mistake="mse_sum_instead_of_mean")
    room.learner("learner-c", points=1, mistake="mse_sum_instead_of_mean")
    room.learner("learner-d", points=0, mistake="mse_not_squared")
    room.learner("learner-e", points=0)  # wrong, but no named mistake
    room.learner("learner-f")
    room.learner("learner-f", points=3, mistake="mse_sum_instead_of_mean")  # broke it again
    hint = next(m.hint for m in mistakes_for() if m.id == "mse_sum_instead_of_mean")
    assert room.row("mse_loss") == {
        "function": "mse_loss",
        "exercise": "ex01_losses",
        "tried": 6,
        "passed": 1,
        "mistake": {"id": "mse_sum_instead_of_mean", "hint": hint, "count": 3},
    }
    assert room.summary()["results"] == 8


def test_learners_without_a_new_pass_for_n_minutes_are_listed_longest_first(room):
    room.learner("stuck-long", points=0, name="stuck long")
    room.now += 5 * 60
    room.learner("stuck-short", points=0, name="stuck short", function="mae_loss")
    room.learner("progressing", points=0, name="progressing")
    room.now += 6 * 60
    room.learner("progressing", name="progressing")  # a first pass: progress
    every = [(function.name, function.file) for function in graded_functions()]
    for function, exercise in every:  # a learner who has passed everything is not stuck
        points = sum(case.points for case in cases_for(function=function))
        room.learner("finished", function=function, exercise=exercise, points=points,
                     max_points=points)  # fmt: skip
    room.now += 10 * 60
    idle = room.summary()["idle"]
    assert [(learner["name"], learner["minutes"]) for learner in idle] == [
        ("stuck long", 21.0),
        ("stuck short", 16.0),
        ("progressing", 10.0),
    ]
    assert idle[1]["function"] == "mae_loss"


def test_the_timeline_has_one_point_per_first_pass(room):
    room.learner("learner-a")
    room.now += 30
    room.learner("learner-a")  # passed again: not a new point
    room.learner("learner-b", points=0)
    room.now += 30
    room.learner("learner-b")
    assert room.summary()["timeline"] == [[1_000_000.0, 1], [1_000_060.0, 2]]


def test_the_catalogue_is_the_graders_own_list_of_functions_and_mistakes():
    known = catalogue()
    assert list(known) == [function.name for function in graded_functions()]
    for function, entry in known.items():
        assert entry.exercise == graded(function).file
        assert entry.hints == {m.id: m.hint for m in mistakes_for(function)}


# --- the app: every bad input is refused and stores nothing ------------------------------

BAD_RESULTS = {
    "not an object": (b"[1, 2]", 422),
    "a missing field": ({k: v for k, v in outcome().items() if k != "points"}, 422),
    "an extra field (code)": ({**outcome(), "code": "def mse_loss(): ..."}, 422),
    "an extra field (path)": ({**outcome(), "path": "/home/me/exercises"}, 422),
    "an unknown function": (outcome(function="rm_rf"), 422),
    "an unknown exercise": (outcome(exercise="ex09_hacking"), 422),
    "the function of another exercise": (outcome(exercise="ex02_epochs"), 422),
    "a function given as a list": (outcome(function=["mse_loss"]), 422),
    "more points than the maximum": (outcome(points=MSE_POINTS + 1), 422),
    "negative points": (outcome(points=-1), 422),
    "points as a float": (outcome(points=1.0), 422),
    "points as a bool": (outcome(points=True, max_points=1), 422),
    "points as a string": (outcome(points="7"), 422),
    "a maximum of zero": (outcome(points=0, max_points=0), 422),
    "a huge maximum": (outcome(points=0, max_points=10**9), 422),
    "an unknown mistake": (outcome(points=0, mistake="you_are_slow"), 422),
    "another function's mistake": (outcome(points=0, mistake="mae_mean_over_batch"), 422),
    "a mistake given as a list": (outcome(points=0, mistake=["mse_not_squared"]), 422),
    "a mistake given as null": (outcome(points=0, mistake=None), 422),
    "a kernel id with a slash": (outcome(kernel="../../etc/passwd"), 422),
    "a short kernel id": (outcome(kernel="abc"), 422),
    "an empty name": (outcome(name="   "), 422),
    "a name too long": (outcome(name="x" * 41), 422),
    "a name that is not a string": (outcome(name=14), 422),
    "a name with a terminal escape": (outcome(name="seat\x1b[2J\x1b]0;pwned\x07"), 422),
    "a name with a bidi override": (outcome(name="seat \u202e41"), 422),
    "a name with a newline": (outcome(name="seat 1\nseat 2"), 422),
    "a time as a string": (outcome(time="now"), 422),
    "a time of NaN": (json.dumps(outcome(time=float("nan"))).encode(), 422),
    "a negative time": (outcome(time=-5), 422),
    "an infinite time": (json.dumps(outcome(time=float("inf"))).encode(), 422),
    "a time too large for a float": (outcome(time=10**400), 422),
}


@pytest.mark.parametrize("body, status", BAD_RESULTS.values(), ids=BAD_RESULTS.keys())
def test_a_bad_result_gets_a_4xx_and_stores_nothing(room, body, status):
    response = room.post(body)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert room.store.count() == 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
ONE_FIELD_WRONG = st.sampled_from(sorted(outcome())).flatmap(
    lambda field: JSON.map(lambda value: {**outcome(), field: value})
)
POSTS = JSON | ONE_FIELD_WRONG | st.fixed_dictionaries({f: JSON for f in outcome()})


@pytest.fixture(scope="module")
def shared_room(tmp_path_factory):
    room = Room(tmp_path_factory.mktemp("room") / "room.sqlite3")
    yield room
    room.store.close()


@settings(max_examples=300)  # each example is one in-process request: about 5 ms
@given(body=POSTS)
def test_any_json_is_stored_with_201_or_refused_with_a_4xx_never_a_server_error(shared_room, body):
    before = shared_room.store.count()
    status = shared_room.post(json.dumps(body).encode()).status_code
    assert status == 201 or 400 <= status < 500
    assert shared_room.store.count() == before + (status == 201)


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b'{"points": 1', b"\xff\xfe{}"], ids=["garbled", "empty",
             "cut short", "not UTF-8"]
)  # fmt: skip
def test_malformed_json_gets_400_and_stores_nothing(room, body):
    assert room.post(body).status_code == 400
    assert room.store.count() == 0


def test_an_oversized_body_gets_413_whether_declared_or_streamed(room):
    big = json.dumps(outcome(name="x" * 3000)).encode()
    assert room.post(big).status_code == 413

    def chunks():  # no Content-Length: sent in chunks, cut off at the limit
        yield big[:1000]
        yield big[1000:]

    response = room.http.post(
        f"/join/{room.tokens.join}", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert room.store.count() == 0


def test_a_post_that_is_not_json_by_its_content_type_gets_415(room):
    body = json.dumps(outcome()).encode()
    assert room.post(body, **{"Content-Type": "text/plain"}).status_code == 415
    assert room.store.count() == 0


def test_posting_needs_the_join_token_and_the_instructors_will_not_do(room):
    assert room.post(outcome(), token="wrong").status_code == 403
    assert room.post(outcome(), token=room.tokens.instructor).status_code == 403
    assert room.store.count() == 0


READERS = ["/api/summary", "/dashboard", "/dashboard/live", "/export.csv"]


@pytest.mark.parametrize("path", READERS)
def test_reading_needs_the_instructors_token(room, path):
    room.learner()
    for params, headers in [
        ({}, {}),
        ({"token": "wrong"}, {}),
        ({"token": room.tokens.join}, {}),
        ({}, {"Authorization": f"Bearer {room.tokens.join}"}),
    ]:
        response = room.http.get(path, params=params, headers=headers)
        assert response.status_code == 403, (params, headers)
        assert "seat 1" not in response.text
    by_query = room.http.get(path, params={"token": room.tokens.instructor})
    by_header = room.http.get(path, headers={"Authorization": f"Bearer {room.tokens.instructor}"})
    assert by_query.status_code == by_header.status_code == 200


def test_each_learner_may_post_a_burst_and_then_one_result_a_second(room):
    for _ in range(room_app.BURST):
        room.learner()
    refused = room.post(outcome())
    assert refused.status_code == 429
    assert room.post(outcome(kernel="another-learner")).status_code == 201  # others are not held
    room.now += 1.0
    assert room.post(outcome()).status_code == 201
    assert room.store.count() == room_app.BURST + 2


def test_a_full_room_refuses_more_results(room, monkeypatch):
    monkeypatch.setattr(room_app, "MAX_RESULTS", 2)
    room.learner("learner-a")
    room.learner("learner-b")
    assert room.post(outcome(kernel="c-learner")).status_code == 503
    assert room.store.count() == 2


def test_unknown_routes_and_methods_are_refused(room):
    assert room.http.get("/admin").status_code == 404
    assert room.http.delete(f"/join/{room.tokens.join}").status_code == 405
    assert (
        room.http.post("/api/summary", params={"token": room.tokens.instructor}).status_code == 405
    )


def test_the_page_s_style_and_script_are_served_to_anyone(room):
    script = room.http.get("/room.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/dashboard/live?token=" in script.text
    assert room.http.get("/room.css").headers["content-type"].startswith("text/css")


def test_the_join_page_shows_the_line_to_run_with_the_join_token_only(room):
    page = room.http.get(f"/join/{room.tokens.join}")
    assert page.status_code == 200
    assert f"join_room(&quot;http://testserver/join/{room.tokens.join}&quot;" in page.text
    assert room.http.get("/join/wrong").status_code == 403
    assert room.http.get("/").status_code == 200


# --- the app: a hostile display name is shown as text everywhere ---------------------------


def test_a_display_name_with_html_is_escaped_on_the_dashboard(room, tmp_path):
    room.learner("hostile-1", points=0, name=HOSTILE_NAME)
    room.now += 11 * 60  # the name shows in the list of idle learners
    for path in ("/dashboard", "/dashboard/live"):
        text = room.http.get(path, params={"token": room.tokens.instructor}).text
        assert "<script>alert" not in text and "<b>=" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;=1+1&lt;/b&gt;" in text
    dashboard = room.http.get("/dashboard", params={"token": room.tokens.instructor})
    assert "script-src 'self'" in dashboard.headers["content-security-policy"]
    assert room.summary()["idle"][0]["name"] == HOSTILE_NAME  # JSON carries it as data


def test_the_csv_holds_every_result_with_formulas_made_inert(room):
    room.learner("spreadsheet", points=0, name='=HYPERLINK("http://x")', mistake="mse_not_squared")
    room.learner("plain-name", name="seat 2")
    response = room.http.get("/export.csv", params={"token": room.tokens.instructor})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in rows] == ['\'=HYPERLINK("http://x")', "seat 2"]
    assert [row["mistake"] for row in rows] == ["mse_not_squared", ""]
    assert [row["points"] for row in rows] == ["0", str(MSE_POINTS)]
    assert set(rows[0]) == {
        "received", "sent", "kernel", "name", "exercise", "function", "points",
        "max_points", "mistake",
    }  # fmt: skip


# --- the store, and --clear ---------------------------------------------------------------


def test_a_reopened_room_keeps_its_tokens_and_results(tmp_path):
    path = tmp_path / "room.sqlite3"
    first = Room(path)
    first.learner()
    first.store.close()
    again = Store(path)
    assert again.tokens() == first.tokens and again.count() == 1
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again.close()


def test_lesson_room_clear_deletes_every_result_and_both_tokens(tmp_path, capsys):
    path = tmp_path / "room.sqlite3"
    room = Room(path)
    room.learner()
    assert Path(f"{path}-wal").exists()  # WAL mode, and the room still open
    old_tokens = room.tokens
    room.store.close()
    assert lesson(["room", "--clear", "--db", str(path)]) == 0
    assert "deleted" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    fresh = Store(path)
    assert fresh.count() == 0 and fresh.tokens() != old_tokens
    fresh.close()
    assert delete_room(tmp_path / "none.sqlite3") == []


def test_lesson_room_says_why_it_cannot_start(tmp_path, capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        assert lesson(["room", "--port", port, "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert "lesson room:" in capsys.readouterr().err
    assert lesson(["room", "--idle-minutes", "0", "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert "--idle-minutes should be positive, got 0.0" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no room was created


def test_the_printed_addresses_name_a_host_learners_can_reach():
    assert server.addresses("0.0.0.0", 8765, "J", "I") == (
        f"http://{socket.gethostname()}:8765/dashboard?token=I",
        f"http://{socket.gethostname()}:8765/join/J",
    )
    assert server.addresses("::1", 80, "J", "I")[1] == "http://[::1]:80/join/J"


# --- the learner's client -------------------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each posted JSON body; answers 201."""

    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/join/tok", Recorder.received
    server.shutdown()
    thread.join()


@pytest.fixture
def hanging():
    """A room that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/join/tok"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture
def dead():
    """The join address of a room that is down: nothing listens on its port."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/join/tok"


@pytest.fixture(autouse=True)
def no_room(monkeypatch):
    """Each test starts in a kernel that has joined no room and has no LESSON_ROOM."""
    monkeypatch.delenv(client.ROOM_VARIABLE, raising=False)
    monkeypatch.setattr(client, "_joined", None)
    monkeypatch.setattr(client, "_from_environment", None)
    monkeypatch.setattr(client, "_environment_read", False)
    yield
    for each in (client._joined, client._from_environment):
        if each is not None:
            each.close(timeout=0)


def test_check_posts_its_outcome_and_nothing_else(recorder):
    url, received = recorder
    room = checks.join_room(url, name="seat 14")
    result = checks.check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    assert room.flush(5)
    assert result.mistake == "mse_sum_instead_of_mean" and 0 < result.score < result.max_score
    [(path, posted)] = received
    assert path == "/join/tok"
    assert set(posted) == room_app.FIELDS
    assert {k: v for k, v in posted.items() if k != "time"} == {
        "exercise": "ex01_losses",
        "function": "mse_loss",
        "points": result.score,
        "max_points": result.max_score,
        "mistake": "mse_sum_instead_of_mean",
        "name": "seat 14",
        "kernel": room.kernel,
    }
    assert abs(posted["time"] - time.time()) < 60
    assert (room.sent, room.failed) == (1, 0)


def test_lesson_room_in_the_environment_joins_at_the_first_check(recorder, monkeypatch):
    url, received = recorder
    monkeypatch.setenv(client.ROOM_VARIABLE, url)
    monkeypatch.setenv(client.NAME_VARIABLE, "seat 3")
    checks.check(ex01_losses.mse_not_squared, name="mse_loss")
    checks.check(ex01_losses.mse_not_squared, name="mse_loss")
    assert client.current_room().flush(5)
    assert [posted["name"] for _, posted in received] == ["seat 3", "seat 3"]
    assert len({posted["kernel"] for _, posted in received}) == 1  # one id per kernel


def test_a_bad_lesson_room_is_reported_once_and_checks_go_on(monkeypatch, capsys):
    monkeypatch.setenv(client.ROOM_VARIABLE, "ftp://example/room")
    first = checks.check(ex01_losses.mse_not_squared, name="mse_loss")
    second = checks.check(ex01_losses.mse_not_squared, name="mse_loss")
    assert first.score == second.score < first.max_score
    assert capsys.readouterr().err.count("LESSON_ROOM is ignored") == 1


def test_join_room_refuses_a_bad_address_or_name():
    with pytest.raises(ValueError, match="/join/TOKEN"):
        checks.join_room("http://127.0.0.1:8765/dashboard?token=x")
    with pytest.raises(ValueError, match="no token"):
        checks.join_room("http://127.0.0.1:8765/join/")
    with pytest.raises(TypeError, match="str"):
        checks.join_room(8765)
    with pytest.raises(ValueError, match="printable"):
        checks.join_room("http://127.0.0.1:8765/join/tok", name="\x1b[31mred")
    with pytest.raises(ValueError, match="1 to 40"):
        checks.join_room("http://127.0.0.1:8765/join/tok", name="")


def test_a_dead_room_changes_nothing_in_check_and_is_reported_once(dead, capsys):
    room = checks.join_room(dead, name="seat 5")
    alone = checks.check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    again = checks.check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    assert room.flush(client.POST_TIMEOUT + 3)
    assert (room.sent, room.failed) == (0, 2)
    assert str(alone) == str(again) and alone.mistake == "mse_sum_instead_of_mean"
    assert capsys.readouterr().err.count("could not reach the room") == 1


def test_a_hanging_room_never_holds_check_up(hanging):
    room = checks.join_room(hanging, name="seat 6")
    started = time.monotonic()
    checks.check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    queued = time.monotonic()
    room.submit("ex01_losses", "mse_loss", 0, MSE_POINTS, "")
    submitted = time.monotonic()
    assert (room.sent, room.failed) == (0, 0)  # check() returned with its post in flight
    assert submitted - queued < client.POST_TIMEOUT  # the room's share is within the bound
    assert not room.flush(0.1)  # still waiting on the room...
    assert room.flush(2 * client.POST_TIMEOUT + 2)  # ...until each post times out
    assert room.failed == 2
    assert started < queued


def test_a_full_queue_drops_results_instead_of_waiting(hanging, capsys):
    room = checks.join_room(hanging, name="seat 7")
    for _ in range(client.QUEUE_SIZE + 5):
        room.submit("ex01_losses", "mse_loss", 0, MSE_POINTS, "")
    assert room.failed >= 4  # dropped at once: the thread holds one, the queue 64
    assert capsys.readouterr().err.count("too many results") == 1


def test_a_finishing_process_waits_for_a_hanging_room_at_most_the_exit_bound(hanging):
    script = (
        "import atexit, time\n"
        "atexit.register(lambda: print(f'exit wait {time.monotonic() - end:.2f}'))\n"
        "from lesson_pkg.checks import check\n"
        "from lesson_pkg.grading.exercises import ex01_losses\n"
        "from lesson_pkg.room.client import current_room\n"
        "check(ex01_losses.mse_sum_instead_of_mean, name='mse_loss')\n"
        "for _ in range(4):  # five posts: 10 s of timeouts, were the wait not bounded\n"
        "    current_room().submit('ex01_losses', 'mse_loss', 0, 7, '')\n"
        "end = time.monotonic()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**_environment(), client.ROOM_VARIABLE: hanging},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    waited = float(re.search(r"exit wait ([0-9.]+)", result.stdout).group(1))
    assert waited <= client.EXIT_WAIT + 1.0 < 5 * client.POST_TIMEOUT
    assert result.stderr.count("could not reach the room") == 1  # timed out within the wait


def _environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("LESSON_ROOM")}
