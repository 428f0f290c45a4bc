"""Classroom 50 autograder for the course's exercises (copy to your configuration repository).

Put this file at ``CLASSROOM/autograders/ASSIGNMENT/autograder.py`` in your classroom's
``classroom50`` repository, with ``grader.tar.gz`` beside it (``make grader-archive``:
the package alone, no solutions, no hidden tests). Classroom 50's runner calls it in the
student's checkout with ``CLASSROOM``, ``ASSIGNMENT``, ``SUBMISSION_TAG``, ``OWNER``,
``COMMIT_URL``, ``RELEASE_URL`` ... in the environment, and reads ``./result.json``
(``classroom50/result/v1``; wiki: "Advanced Autograding"). ``lesson grade --classroom50``
writes it: one test per graded case, named after its function, and ``datetime`` the
graded commit's date, so a regrade never changes the lateness.

Add ``"apt": ["bubblewrap"]`` to the assignment's ``runtime`` block: grading runs as root
(through sudo on GitHub's runners) under strict isolation, as the course's own workflow
does. The exit status is 0 when grading ran (the score is in result.json); anything else
is an infrastructure error, which Classroom 50 reports as such.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE / "grader.tar.gz"
TORCH_CPU = "https://download.pytorch.org/whl/cpu"


def install_grader() -> None:
    """Install the archive beside this file (torch's CPU build first), unless installed."""
    if importlib.util.find_spec("lesson_pkg") is not None:
        return
    source = Path(tempfile.mkdtemp(prefix="grader-"))
    with tarfile.open(ARCHIVE) as archive:
        archive.extractall(source, filter="data")
    torch = re.search(r'"torch==([^"]+)"', (source / "pyproject.toml").read_text())[1]
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--index-url", TORCH_CPU, f"torch=={torch}"], check=True)
    subprocess.run([*pip, str(source)], check=True)


def commit_time() -> str:
    """The checked-out commit's committer date, read as the runner's user (it owns the
    checkout; git refuses another user's repository to root)."""
    completed = subprocess.run(
        ["git", "log", "-1", "--format=%cI"], capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def grade() -> int:
    """``lesson grade`` on ``exercises/``, as root where sudo makes it so.

    ``python -I`` from a temporary folder: the installed grader runs, never the
    ``lesson_pkg/`` folder of the student's checkout.
    """
    target, result = Path.cwd() / "exercises", Path.cwd() / "result.json"
    command = [
        sys.executable, "-I", "-m", "lesson_pkg.grade", "--target", str(target),
        "--isolation", "strict", "--classroom50", str(result),
    ]  # fmt: skip
    if os.geteuid() != 0 and shutil.which("sudo"):
        command = ["sudo", "--preserve-env", *command]
    environment = {**os.environ, "SUBMISSION_DATETIME": commit_time()}
    with tempfile.TemporaryDirectory() as elsewhere:
        return subprocess.run(command, cwd=elsewhere, env=environment, check=False).returncode


if __name__ == "__main__":
    install_grader()
    sys.exit(grade())
