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
from pathlib import Path

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


def lab_command(course: Path, options: list[str]) -> tuple[list[str], str]:
    """The JupyterLab command line, and the first lesson's URL it will serve."""
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
    return command, f"http://{host}:{port}/lab/tree/{FIRST_LESSON}?token={token}"


def run_lab(course: Path, options: list[str]) -> int:
    """Print the first lesson's URL, then run JupyterLab until it is stopped."""
    if not (course / FIRST_LESSON).is_file():
        raise ValueError(
            f"{course.resolve()} has no {FIRST_LESSON}: run this in the course "
            "folder, or pass --course"
        )
    command, url = lab_command(course, options)
    print(f"\n    The first lesson: {url}\n", flush=True)
    try:
        return subprocess.run(command, cwd=course).returncode
    except KeyboardInterrupt:
        return 0
