"""The room as a Starlette application: learners post, the instructor reads.

==========================  =================  ==========================================
route                       token              what
==========================  =================  ==========================================
``POST /join/{token}``      join (in the URL)  one ``check()`` outcome, as JSON
``GET /join/{token}``       join               how to join from a notebook
``GET /dashboard``          instructor         the live dashboard (``?token=``)
``GET /dashboard/live``     instructor         its live part, which the page polls
``GET /api/summary``        instructor         the same as JSON
``GET /export.csv``         instructor         every result as CSV
==========================  =================  ==========================================

The instructor's token comes as ``?token=`` or ``Authorization: Bearer``; tokens are
compared in constant time. A post must be JSON of at most ``MAX_BODY`` bytes with exactly
the fields the client sends, for a function and mistake the grader knows; each learner
may post ``BURST`` results at once and ``PER_SECOND`` after that. Anything else is
answered with a 4xx status and stores nothing.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from lesson_pkg.room import page
from lesson_pkg.room.catalogue import Known
from lesson_pkg.room.client import check_display_name
from lesson_pkg.room.store import Result, Store, Tokens
from lesson_pkg.room.summary import summarize

MAX_BODY = 2048  # bytes in one post
MAX_POINTS = 1000
LATEST_TIME = 1e11  # seconds since the epoch: the year 5138
MAX_RESULTS = 200_000  # a full room refuses more (about 40 MB of SQLite)
BURST, PER_SECOND = 20, 1.0  # per learner: posts at once, and then per second
FIELDS = {"exercise", "function", "points", "max_points", "mistake", "name", "kernel", "time"}
KERNEL = re.compile(r"[A-Za-z0-9_-]{8,64}")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class Refused(Exception):
    """A request the room answers with ``status`` and stores nothing for."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RateLimit:
    """A token bucket per learner: ``burst`` posts at once, refilled at ``per_second``."""

    def __init__(self, burst: int = BURST, per_second: float = PER_SECOND) -> None:
        self.burst, self.per_second = burst, per_second
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float) -> bool:
        """Whether ``key`` may post now (and, if so, spend one post)."""
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        if tokens < 1:
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


def parse_result(body: bytes, catalogue: dict[str, Known], received: float) -> Result:
    """The result a post's body describes; ``Refused`` (400 or 422) says what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(400, f"the body is not JSON: {error}") from None
    if not isinstance(data, dict) or set(data) != FIELDS:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise Refused(422, f"expected an object with the fields {sorted(FIELDS)}, got {got}")
    known = catalogue.get(data["function"]) if isinstance(data["function"], str) else None
    if known is None or data["exercise"] != known.exercise:
        raise Refused(422, "unknown exercise or function")
    points, max_points = data["points"], data["max_points"]
    if not all(type(value) is int for value in (points, max_points)) or not (
        0 <= points <= max_points <= MAX_POINTS and max_points > 0
    ):
        raise Refused(422, f"points should be integers, 0 <= points <= max_points <= {MAX_POINTS}")
    mistake = data["mistake"]
    if not isinstance(mistake, str) or (mistake and mistake not in known.hints):
        raise Refused(422, f"unknown mistake for {known.function}")
    if not isinstance(data["kernel"], str) or not KERNEL.fullmatch(data["kernel"]):
        raise Refused(422, "the kernel id should be 8 to 64 letters, digits, - or _")
    sent = data["time"]
    if type(sent) not in (int, float) or not 0 <= sent <= LATEST_TIME:  # NaN fails too
        raise Refused(422, "the time should be seconds since the epoch")
    try:
        name = check_display_name(data["name"])
    except (TypeError, ValueError) as error:
        raise Refused(422, str(error)) from None
    return Result(
        received, float(sent), data["kernel"], name, known.exercise, known.function,
        points, max_points, mistake,
    )  # fmt: skip


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request's body, refused with 413 past ``limit`` bytes (before reading it all)."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > limit:
        raise Refused(413, f"a post holds at most {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"a post holds at most {limit} bytes")
    return body


def same(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Endpoints:
    """The room's request handlers, on one store, catalogue and clock."""

    def __init__(
        self,
        store: Store,
        catalogue: dict[str, Known],
        idle_minutes: float,
        clock: Callable[[], float],
    ) -> None:
        self.store, self.catalogue, self.clock = store, catalogue, clock
        self.idle_minutes = idle_minutes
        self.tokens: Tokens = store.tokens()
        self.limit = RateLimit()

    def instructor(self, request: Request) -> str:
        """The instructor's token the request carries; ``Refused`` (403) if it does not."""
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = request.query_params.get("token") or bearer
        if not same(given, self.tokens.instructor):
            raise Refused(403, "the instructor's token is missing or wrong")
        return given

    def joiner(self, request: Request) -> None:
        """``Refused`` (403) unless the URL holds the join token."""
        if not same(request.path_params["token"], self.tokens.join):
            raise Refused(403, "wrong join token")

    def summary(self) -> dict[str, Any]:
        """The room now, as :func:`~lesson_pkg.room.summary.summarize` tells it."""
        return summarize(self.store, self.catalogue, self.clock(), self.idle_minutes)

    async def post_result(self, request: Request) -> Response:
        """Store one learner's result: 201, or a 4xx that stores nothing."""
        self.joiner(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise Refused(415, "a post is application/json")
        result = parse_result(await read_body(request), self.catalogue, self.clock())
        if self.store.count() >= MAX_RESULTS:
            raise Refused(503, "the room is full")
        if not self.limit.allow(result.kernel, result.received):
            raise Refused(429, f"at most {PER_SECOND:g} result per second per learner")
        self.store.add(result)
        return JSONResponse({"stored": True}, status_code=201)

    async def join_page(self, request: Request) -> Response:
        """How to join, for a learner who opened the join address in a browser."""
        self.joiner(request)
        return HTMLResponse(page.join_page(str(request.url.remove_query_params("token"))))

    async def dashboard(self, request: Request) -> Response:
        """The dashboard page."""
        token = self.instructor(request)
        return HTMLResponse(page.dashboard(self.summary(), token), headers=HEADERS)

    async def dashboard_live(self, request: Request) -> Response:
        """The dashboard's live part, which its script fetches again and again."""
        self.instructor(request)
        return HTMLResponse(page.live(self.summary()), headers=HEADERS)

    async def api_summary(self, request: Request) -> Response:
        """The summary as JSON."""
        self.instructor(request)
        return JSONResponse(self.summary(), headers={"Cache-Control": "no-store"})

    async def export(self, request: Request) -> Response:
        """Every result as CSV."""
        self.instructor(request)
        return Response(
            page.csv_text(self.store.results()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="room.csv"', **HEADERS},
        )


async def _home(request: Request) -> Response:
    return PlainTextResponse(
        "A lesson room. Learners: join_room(URL) with the join address your instructor "
        "gave; instructors: the dashboard address `lesson room` printed."
    )


async def _style(request: Request) -> Response:
    return Response(page.STYLE, media_type="text/css")


async def _script(request: Request) -> Response:
    return Response(page.SCRIPT, media_type="text/javascript")


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return JSONResponse({"error": str(error)}, status_code=error.status)


def create_app(
    store: Store,
    catalogue: dict[str, Known],
    idle_minutes: float = 10.0,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The room's application on ``store``, accepting the functions of ``catalogue``."""
    room = Endpoints(store, catalogue, idle_minutes, clock)
    routes = [
        Route("/", _home),
        Route("/join/{token}", room.post_result, methods=["POST"]),
        Route("/join/{token}", room.join_page, methods=["GET"]),
        Route("/dashboard", room.dashboard),
        Route("/dashboard/live", room.dashboard_live),
        Route("/api/summary", room.api_summary),
        Route("/export.csv", room.export),
        Route("/room.css", _style),
        Route("/room.js", _script),
    ]
    return Starlette(routes=routes, exception_handlers={Refused: _refused})
