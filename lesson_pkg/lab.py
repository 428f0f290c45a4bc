"""``lesson lab``: JupyterLab on the course folder, opened at the first lesson.

JupyterLab prints its own address (``.../lab?token=...``), which lands a learner on a
headless machine in an empty JupyterLab. This starts it with a known token and prints the
first lesson's address, as the server itself reports it (its port may not be the one
asked for); options after ``lesson lab`` go to JupyterLab (``--no-browser``, ``--ip``,
``--port``, ``--IdentityProvider.token``...). Ending ``lesson lab`` ends JupyterLab.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

FIRST_LESSON = "notebooks/00_start_here.ipynb"


def _option(options: list[str], name: str) -> str | None:
    """The value of ``--name=VALUE`` or ``--name VALUE`` among ``options``."""
    for index, option in enumerate(options):
        if option.startswith(f"{name}="):
            return option.split("=", 1)[1]
        if option == name and index + 1 < len(options):
            return options[index + 1]
    return None


class Launch(NamedTuple):
    """How JupyterLab is started, and the token its URL carries."""

    command: list[str]
    token: str


def lab_command(course: Path, options: list[str]) -> Launch:
    """The JupyterLab command line, opening the first lesson with a known token."""
    options = list(options)
    token = _option(options, "--IdentityProvider.token")
    if token is None:
        token = secrets.token_hex(16)
        options.append(f"--IdentityProvider.token={token}")
    if os.name == "posix" and os.geteuid() == 0 and "--allow-root" not in options:
        options.append("--allow-root")  # containers and CI run as root
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course.resolve()}"]
    return Launch([*command, FIRST_LESSON, *options], token)


def server_info(pid: int) -> dict | None:
    """What the Jupyter server started as process ``pid`` says about itself, once it serves.

    The server writes ``jpserver-PID.json`` (its URL, port and token) into Jupyter's
    runtime folder when it listens; None until then.
    """
    from jupyter_core.paths import jupyter_runtime_dir

    try:
        info = json.loads((Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json").read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and "url" in info else None


def lesson_url(info: dict, token: str) -> str:
    """The first lesson's address on the server that ``info`` describes.

    >>> lesson_url({"url": "http://localhost:8900/"}, "abc")
    'http://localhost:8900/lab/tree/notebooks/00_start_here.ipynb?token=abc'
    """
    return f"{info['url'].rstrip('/')}/lab/tree/{FIRST_LESSON}?token={token}"


def _wait_until_serving(server: subprocess.Popen) -> dict | None:
    """The server's own description once it accepts connections (two minutes at most)."""
    deadline = time.monotonic() + 120
    while server.poll() is None and time.monotonic() < deadline:
        info = server_info(server.pid)
        if info is not None:
            host = urlsplit(info["url"]).hostname or "localhost"
            host = "127.0.0.1" if host in ("0.0.0.0", "localhost", "") else host
            try:
                socket.create_connection((host, int(info["port"])), timeout=1).close()
                return info
            except OSError:
                pass
        time.sleep(0.2)
    return None


class _Stop(Exception):
    """A signal asked ``lesson lab`` to end."""


def _raise_stop(signum: int, frame) -> None:
    raise _Stop(signum)


def _end(server: subprocess.Popen) -> int:
    """Stop JupyterLab (it shuts its kernels down) and wait for it; kill it if it hangs."""
    if server.poll() is None:
        server.terminate()
        try:
            return server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return server.wait()


def run_lab(course: Path, options: list[str]) -> int:
    """Run JupyterLab, print the first lesson's URL once it serves, wait until stopped.

    The URL is the one the server reports (a busy ``--port`` makes JupyterLab take the
    next free one). Ending ``lesson lab`` with Ctrl+C (SIGINT), SIGTERM or a closed
    terminal (SIGHUP) ends JupyterLab too.
    """
    if not (course / FIRST_LESSON).is_file():
        raise ValueError(
            f"{course.resolve()} has no {FIRST_LESSON}: run this in the course "
            "folder, or pass --course"
        )
    launch = lab_command(course, options)
    stops = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {stop: signal.signal(stop, _raise_stop) for stop in stops}
    server = subprocess.Popen(launch.command, cwd=course)
    try:
        info = _wait_until_serving(server)
        if info is not None:
            print(f"\n    The first lesson: {lesson_url(info, launch.token)}\n", flush=True)
        return server.wait()
    except (KeyboardInterrupt, _Stop):
        return _end(server)
    finally:
        _end(server)
        for stop, handler in previous.items():
            signal.signal(stop, handler)
