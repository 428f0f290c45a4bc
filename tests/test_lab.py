"""`lesson lab` tells the truth: the URL it prints is the one JupyterLab serves, even when
the port asked for is busy, and ending `lesson lab` (SIGTERM or SIGINT) ends JupyterLab."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lesson_pkg.lab import lesson_url

ROOT = Path(__file__).resolve().parent.parent
LESSON = Path(sys.executable).parent / "lesson"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_busy_port_gives_the_url_jupyterlab_serves_and_stopping_lesson_stops_it(tmp_path, stop):
    runtime = tmp_path / "runtime"
    with socket.socket() as busy:  # another program holds the port asked for
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        asked = busy.getsockname()[1]
        lab = subprocess.Popen(
            [str(LESSON), "lab", "--course", str(ROOT), "--no-browser", "--ip=127.0.0.1",
             f"--port={asked}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
            start_new_session=True,  # a signal to `lesson` alone, not to its process group
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            line = ""
            while "The first lesson:" not in line:
                assert time.monotonic() < deadline and lab.poll() is None, "no URL printed"
                line = lab.stdout.readline()
            url = re.search(r"http://\S+", line)[0]
            (info_file,) = runtime.glob("jpserver-*.json")
            info = json.loads(info_file.read_text())
            assert info["port"] != asked and f":{info['port']}/" in url
            assert url == lesson_url(info, info["token"])
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200 and "JupyterLab" in response.read().decode()
            server_pid = int(info_file.stem.split("-")[1])
            lab.send_signal(stop)
            lab.wait(timeout=60)
        finally:
            if lab.poll() is None:
                lab.kill()
    deadline = time.monotonic() + 30
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(server_pid), "JupyterLab outlived `lesson lab`"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", info["port"]), timeout=2).close()
