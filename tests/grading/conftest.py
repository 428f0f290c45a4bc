"""The grader's tests need bubblewrap: install Debian's package when missing and we may.

As root, they also let the workers' user enter the folders above this Python (pyenv
installs it in ``/root``, ``drwx------``), as a container's system Python allows: the
grader refuses the "user" isolation otherwise (``require_python_reachable``).
"""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path


def pytest_configure(config):
    """Install ``bubblewrap`` with apt-get before the tests that use it are collected."""
    if os.geteuid() == 0:
        for folder in Path(sys.base_prefix).parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(mode | stat.S_IXOTH)  # enter, not list
    if shutil.which("bwrap") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "bubblewrap"], check=False, capture_output=True
    )
