"""The grader's tests need bubblewrap: install Debian's package when missing and we may."""

import os
import shutil
import subprocess


def pytest_configure(config):
    """Install ``bubblewrap`` with apt-get before the tests that use it are collected."""
    if shutil.which("bwrap") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "bubblewrap"], check=False, capture_output=True
    )
