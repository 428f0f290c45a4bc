"""``lesson room``: open (or reopen) a room's file, print its two addresses, serve it.

The socket is bound and listening before the addresses are printed, so a learner who
uses them at once is queued, not refused; ``--port 0`` picks a free port. uvicorn keeps
no access log: the join token is part of every post's URL.
"""

from __future__ import annotations

import argparse
import socket
import sys

DEFAULT_DB = "lesson-room.sqlite3"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``lesson room``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens "
        "the room to the network)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default 8765; 0: any free)"
    )
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"the room's SQLite file, created if missing (default {DEFAULT_DB})",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        default=10.0,
        metavar="N",
        help="list learners with no new pass for N minutes (default 10)",
    )
    parser.add_argument(
        "--clear",
        action="store_true",
        help="delete the room's file (every result and both tokens) and exit",
    )


def addresses(host: str, port: int, join: str, instructor: str) -> tuple[str, str]:
    """The dashboard's URL (instructor token) and the learners' join address.

    >>> addresses("127.0.0.1", 8765, "J", "I")
    ('http://127.0.0.1:8765/dashboard?token=I', 'http://127.0.0.1:8765/join/J')
    """
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    return f"{base}/dashboard?token={instructor}", f"{base}/join/{join}"


def run(args: argparse.Namespace) -> int:
    """Clear the room, or serve it until interrupted; the exit status."""
    from lesson_pkg.room.store import delete_room

    if args.clear:
        removed = delete_room(args.db)
        print(f"deleted {', '.join(map(str, removed))}" if removed else f"no room at {args.db}")
        return 0
    if args.idle_minutes <= 0:
        raise ValueError(f"--idle-minutes should be positive, got {args.idle_minutes}")
    listener = socket.create_server(
        (args.host, args.port),
        family=socket.AF_INET6 if ":" in args.host else socket.AF_INET,
        backlog=2048,
    )
    return _serve(args, listener)


def _serve(args: argparse.Namespace, listener: socket.socket) -> int:
    import uvicorn

    from lesson_pkg.room.app import create_app
    from lesson_pkg.room.catalogue import catalogue
    from lesson_pkg.room.store import Store

    store = Store(args.db)
    app = create_app(store, catalogue(), idle_minutes=args.idle_minutes)
    tokens = store.tokens()
    port = listener.getsockname()[1]
    dashboard, join = addresses(args.host, port, tokens.join, tokens.instructor)
    if args.host not in LOOPBACK:
        print(f"lesson room: listening on {args.host}, open to the network", file=sys.stderr)
    print(
        f"The room's results: {args.db} (delete them with `lesson room --clear --db {args.db}`)\n"
        f"Dashboard (instructor only, keep it private): {dashboard}\n"
        f"Learners join with: {join}\n"
        f'  in a notebook: from lesson_pkg.checks import join_room; join_room("{join}", '
        'name="...")\n'
        f"  or in their environment: LESSON_ROOM={join}",
        flush=True,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        store.close()
    return 0
