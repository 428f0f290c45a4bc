"""``lesson lab``: JupyterLab on the course folder, opened at the first lesson.

JupyterLab prints its own address (``.../lab?token=...``), which lands a learner on a
headless machine in an empty JupyterLab. This starts it with a known port and token and
prints the first lesson's address first; options after ``lesson lab`` go to JupyterLab
(``--no-browser``, ``--ip``, ``--port``, ``--IdentityProvider.token``...).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

FIRST_LESSON = "notebooks/00_start_here.ipynb"


def _option(options: list[str], name: str) -> str | None:
    """The value of ``--name=VALUE`` or ``--name VALUE`` among ``options``."""
    for index, option in enumerate(options):
        if option.startswith(f"{name}="):
            return option.split("=", 1)[1]
        if option == name and index + 1 < len(options):
            return options[index + 1]
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Launch(NamedTuple):
    """How JupyterLab is started, where it listens, and the first lesson's address."""

    command: list[str]
    host: str
    port: int
    url: str


def lab_command(course: Path, options: list[str]) -> Launch:
    """The JupyterLab command line, where it listens and the first lesson's URL."""
    options = list(options)
    port = _option(options, "--port")
    if port is None:
        port = str(_free_port())
        options.append(f"--port={port}")
    token = _option(options, "--IdentityProvider.token")
    if token is None:
        token = secrets.token_hex(16)
        options.append(f"--IdentityProvider.token={token}")
    host = _option(options, "--ip") or "localhost"
    if os.name == "posix" and os.geteuid() == 0 and "--allow-root" not in options:
        options.append("--allow-root")  # containers and CI run as root
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course.resolve()}"]
    command += [FIRST_LESSON, *options]
    url = f"http://{host}:{port}/lab/tree/{FIRST_LESSON}?token={token}"
    return Launch(command, host, int(port), url)


def _wait_until_listening(server: subprocess.Popen, host: str, port: int) -> bool:
    """Whether ``server`` accepts connections on ``port`` within two minutes."""
    address = "127.0.0.1" if host in ("0.0.0.0", "localhost", "") else host
    deadline = time.monotonic() + 120
    while server.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def run_lab(course: Path, options: list[str]) -> int:
    """Run JupyterLab, print the first lesson's URL once it listens, wait until stopped."""
    if not (course / FIRST_LESSON).is_file():
        raise ValueError(
            f"{course.resolve()} has no {FIRST_LESSON}: run this in the course "
            "folder, or pass --course"
        )
    launch = lab_command(course, options)
    server = subprocess.Popen(launch.command, cwd=course)
    try:
        if _wait_until_listening(server, launch.host, launch.port):
            print(f"\n    The first lesson: {launch.url}\n", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()
