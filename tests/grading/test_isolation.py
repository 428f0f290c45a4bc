"""A submission that attacks the grader earns nothing and changes nothing.

Each attack is graded through the real command line, under each isolation this machine
offers: ``namespaces`` (bubblewrap) and, when the tests run as root (CI), ``user`` (an
unprivileged user id, bubblewrap turned off). The attacks: signals to the grader and
its process group, a process left behind that forges the report once it is written,
reading the solutions and the hidden tests, writing into the course and another
student's folder, and objects that lie about equality.
"""

import contextlib
import json
import os
import shutil
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from submissions import MODES, ROOT, grade, scores_by_function, write_submission

from lesson_pkg.checks import check
from lesson_pkg.grading.exercises import cases_for
from lesson_pkg.grading.runner import isolation

TOTAL_POINTS = sum(case.points for case in cases_for())
MARKER = "forger5f2c"  # the name of the file the daemon holds open


KILL_THE_GRADER = """
def mse_loss(input, target, reduction="mean"):
    import os, signal
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if b"lesson_pkg" in handle.read():
                    os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
    for group in (os.getpgid(0), os.getpgid(os.getppid())):
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.kill(-1, signal.SIGKILL)  # every process this user may signal
    except OSError:
        pass
    return input.sum() * 0
"""

FORGE_THE_REPORT = """
import json, os, tempfile, time
if os.fork() == 0:  # a daemon: double fork, its own session
    os.setsid()
    if os.fork() == 0:  # the file it holds open is how the test finds it
        mark = open(os.path.join(tempfile.gettempdir(), "{marker}"), "w")
        deadline = time.time() + 40
        while time.time() < deadline:
            try:
                with open({results!r}, "w") as handle:
                    json.dump({{"score": 999, "tests": []}}, handle)
            except OSError:
                pass
            time.sleep(0.05)
    os._exit(0)
"""

STEAL_THE_ANSWERS = """
def cross_entropy(input, target, ignore_index=-100, reduction="mean"):
    namespace = {{}}
    try:
        with open({solutions!r}) as handle:
            exec(handle.read(), namespace)
    except OSError:
        return input.sum() * 0
    return namespace["cross_entropy"](input, target, ignore_index, reduction)


def best_epoch(values, mode="min"):
    try:
        with open({hidden!r}) as handle:
            handle.read()
    except OSError:
        return 0
    return min(range(len(values)), key=values.__getitem__) + 1 if mode == "min" else (
        max(range(len(values)), key=values.__getitem__) + 1)
"""

VANDALISE = """
def hinge_loss(input, target, margin=1.0, reduction="mean"):
    for path in ({course!r}, {other!r}, {report_dir!r} + "/results.json"):
        try:
            with open(path, "w") as handle:
                handle.write("vandalised")
        except OSError:
            pass
    return input.sum() * 0
"""


@pytest.fixture
def attack_submission(tmp_path: Path) -> dict[str, Path]:
    """An attacking submission, the private places it aims at, and where results go."""
    private = tmp_path / "private"  # what the grader may read and workers must not
    private.mkdir(mode=0o700)
    shutil.copytree(ROOT / "solutions", private / "solutions")
    hidden = private / "hidden"
    hidden.mkdir()
    (hidden / "test_hidden.py").write_text(
        textwrap.dedent('''
        def test_best_epoch(submission):
            """best_epoch: a secret case (hidden)"""
            assert submission.run("best_epoch", [0.3, 0.1, 0.2]) == 2
        ''')
    )
    course = private / "course.txt"
    course.write_text("the course")
    other = private / "class" / "bob" / "ex01_losses.py"
    other.parent.mkdir(parents=True)
    other.write_text("bob's work")
    out = tmp_path / "out"
    out.mkdir()
    results = out / "results-submission.json"
    attacks = {
        "mse_loss": KILL_THE_GRADER,
        "hinge_loss": VANDALISE.format(course=str(course), other=str(other), report_dir=str(out)),
    }
    before, after = STEAL_THE_ANSWERS.format(
        solutions=str(private / "solutions" / "ex01_losses.py"),
        hidden=str(hidden / "test_hidden.py"),
    ).split("\n\ndef best_epoch")
    attacks["cross_entropy"] = before
    attacks["best_epoch"] = "def best_epoch" + after
    submission = write_submission([], tmp_path / "submission", attacks)
    daemon = FORGE_THE_REPORT.format(marker=MARKER, results=str(results))
    metrics = submission / "ex03_accuracy.py"  # starts the daemon when imported
    metrics.write_text(daemon + metrics.read_text())
    return {
        "submission": submission,
        "out": out,
        "results": results,
        "hidden": hidden,
        "course": course,
        "other": other,
    }


def _marked_processes() -> set[int]:
    """The processes holding the daemon's file open (a process cannot hide its files)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                for descriptor in os.listdir(f"/proc/{entry}/fd"):
                    if MARKER in os.readlink(f"/proc/{entry}/fd/{descriptor}"):
                        found.add(int(entry))
            except OSError:
                continue
    return found


@contextlib.contextmanager
def _watching_for_the_daemon() -> Iterator[set[int]]:
    """While inside, look for the daemon every 50 ms; the set holds every one seen."""
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            seen.update(_marked_processes())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


@pytest.mark.parametrize("environment", MODES)
def test_attacks_earn_nothing_and_leave_nothing_behind(attack_submission, environment, monkeypatch):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    paths = attack_submission
    with _watching_for_the_daemon() as daemons:
        results, table = grade(
            paths["submission"],
            paths["out"],
            "--hidden",
            str(paths["hidden"]),
            "--isolation",
            "strict",
            "--time-limit",
            "5",
            cwd=paths["course"].parent,  # started beside the solutions: still out of reach
        )
    # the grader finished and wrote a valid report, whatever was killed or forged
    used = next(line for line in table.splitlines() if line.startswith("Isolation: "))
    assert not used.startswith("Isolation: none"), used
    scores = scores_by_function(results)
    attacked = ("mse_loss", "cross_entropy", "hinge_loss", "best_epoch")
    for function in attacked:
        assert scores[function][0] == 0, (function, scores[function])
    hidden = [test for test in results["tests"] if test["visibility"] == "after_published"]
    assert hidden and hidden[0]["score"] == 0
    # every honest function beside the attacks keeps its points, the daemon's file's too
    honest = {function: score for function, score in scores.items() if function not in attacked}
    assert [function for function, (earned, out_of) in honest.items() if earned != out_of] == []
    # the daemon ran while grading; nothing the submission started is left, and nothing
    # it aimed at changed
    assert daemons and _marked_processes() == set()
    time.sleep(1.0)
    assert json.loads(paths["results"].read_text()) == results
    assert results["score"] != 999
    assert paths["course"].read_text() == "the course"
    assert paths["other"].read_text() == "bob's work"


class LyingTensor(torch.Tensor):
    """Claims to equal anything, in every way torch compares."""

    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal, torch.Tensor.__eq__):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def test_objects_that_lie_about_equality_earn_nothing():
    def mse_loss(input, target, reduction="mean"):
        return torch.zeros(()).as_subclass(LyingTensor)

    result = check(mse_loss)
    assert result.score == 0
    assert "expected a plain torch.Tensor" in str(result)


def test_numpy_scalars_are_the_numbers_they_hold():
    def best_epoch(values, mode="min"):
        return np.argmin(values) + 1 if mode == "min" else np.argmax(values) + 1

    def accuracy(input, target):
        predicted = input.argmax(dim=1) if input.ndim == 2 else input
        return np.float64((predicted == target).float().mean().item())

    assert check(best_epoch).score == check(best_epoch).max_score
    assert check(accuracy).score == check(accuracy).max_score


def test_a_subclass_of_a_numpy_scalar_earns_nothing():
    class AlwaysEqual(np.float64):
        def __eq__(self, other):
            return True

    def accuracy(input, target):
        return AlwaysEqual(0.0)

    result = check(accuracy)
    assert result.score == 0
    assert "expected a plain torch.Tensor" in str(result)


def test_a_constant_earns_no_property_point():
    def mse_loss(input, target, reduction="mean"):
        return torch.zeros(input.shape if reduction == "none" else ())

    result = check(mse_loss)
    assert result.score == 0, str(result)


def test_strict_isolation_refuses_to_grade_unprotected_and_says_how_to_fix(monkeypatch):
    monkeypatch.setenv("LESSON_PKG_BWRAP", "")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    isolation.bubblewrap_works.cache_clear()
    try:
        with pytest.raises(isolation.IsolationUnavailable, match="apt-get install bubblewrap"):
            isolation.choose("strict")
        assert isolation.choose("auto") is isolation.Isolation.NONE
    finally:
        isolation.bubblewrap_works.cache_clear()


def test_grading_without_isolation_still_works_and_the_report_says_so(tmp_path):
    results, table = grade(ROOT / "solutions", tmp_path, "--isolation", "none")
    assert results["score"] == TOTAL_POINTS
    assert "Isolation: none" in table and "Isolation: none" in results["output"]
