"""Findings of the second attack session of 2026-12-06 (s7b), after the memory watch,
the preload of ``from M import a`` and the import from decoded text.

Each was fixed; each test failed while its finding stood: it grades a submission (the
solutions with one function replaced) as a user would, and asserts what the grader does.
One stands (a strict xfail): ``check()`` does not watch a thread started before it.
"""

from __future__ import annotations

import pytest
from submissions import (
    EVERY_ISOLATION,
    grade,
    grade_replaced,
    scores_by_function,
    write_submission,
)

from lesson_pkg.checks import check, load_exercise
from lesson_pkg.grading.runner.host_client import WorkerHost
from lesson_pkg.grading.runner.limits import Limits
from lesson_pkg.grading.runner.outcome import CallRequest
from lesson_pkg.grading.runner.worker_client import Session


def _pinned(results) -> list[int]:
    outputs = " ".join(test["output"] for test in results["tests"])
    return [int(word) for word in outputs.replace("pinned", " pinned ").split() if word.isdigit()]


# The memory watch adds up Pss_Anon + Pss_Shmem of the worker's processes: memory the
# kernel holds for them is not in it. Data sent into a socket nobody reads stays in the
# kernel's buffers (about 256 KiB per AF_UNIX datagram pair; RLIMIT_AS does not count it
# either). With the hard RLIMIT_NOFILE (20000 here) one process pins 2 GiB this way,
# twice the submission's limit, for as long as it likes; each forked child has a file
# table of its own and pins as much again (64 processes: over 100 GiB).
SOCKET_BUFFERS = {
    "steps_per_epoch": """
import resource
import socket
import time


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pairs, sent, chunk = [], 0, b"x" * 65536
    try:
        while sent < 2 << 30:
            ends = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            pairs.append(ends)
            ends[0].setblocking(False)
            try:
                while True:
                    sent += ends[0].send(chunk)
            except BlockingIOError:
                pass
    except OSError:
        pass  # out of descriptors: what was sent stays pinned
    time.sleep(1.0)  # held for a second, ten checks of the watch
    raise ValueError(f"pinned {sent >> 20} MiB")
"""
}


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_socket_buffers_pin_no_more_memory_than_the_limit(
    tmp_path, monkeypatch, environment, isolation
):
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, SOCKET_BUFFERS)
    pinned = _pinned(results)
    assert max(pinned, default=0) <= 1024, pinned


# worker_server._import compiles the decoded text with compile(text, path, "exec"), which
# inherits the compiler flags of worker_server.py itself: its ``from __future__ import
# annotations``. Every submission is compiled with postponed annotations, strings, though
# it never asked for them; and the module is not in sys.modules. A @dataclass then fails
# at import (dataclasses._is_type looks up sys.modules[cls.__module__].__dict__ for a
# string annotation: AttributeError on None), and the whole file earns 0; check() in the
# notebook gives full marks. (Fix: compile(..., dont_inherit=True), and register the
# module in sys.modules while it runs, as importlib does.)
WITH_A_DATACLASS = {
    "steps_per_epoch": """
import dataclasses


@dataclasses.dataclass
class Split:
    full: int
    rest: int


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    split = Split(*divmod(n_samples, batch_size))
    return split.full if drop_last or split.rest == 0 else split.full + 1
"""
}


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_dataclass_in_a_submission_is_not_a_false_fail(
    tmp_path, monkeypatch, environment, isolation
):
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, WITH_A_DATACLASS)
    submission = tmp_path / "submission"
    outcome = check(load_exercise("steps_per_epoch", submission), "steps_per_epoch")
    assert outcome.score == outcome.max_score
    scores = scores_by_function(results)
    messages = [t["output"] for t in results["tests"] if t["score"] != t["max_score"]]
    for function in ("steps_per_epoch", "fit"):  # the rest of the file too
        assert scores[function][0] == scores[function][1], messages[:1]


# Only the calls count towards a submission's total time (Session._spent): starting a
# worker, which preloads every module the files name (several seconds for a file that
# names a few large packages; about 10 s for all installed modules), is free. A file
# whose functions each end the worker makes the grader start a new one, and preload all
# again, for each function (twice each: FATAL_FAILURES_PER_FUNCTION), however long that
# takes: with total_seconds=1, the tenth start still happens. On a class run that is
# unpaid grader time per submission, beyond the 120 s a whole submission may take.
# (Fix: charge the start, from spawn to "ready", to _spent.)
SLOW_TO_START = """
import os


def _never_called():
    import matplotlib.pyplot
    import scipy.optimize
    import scipy.stats
    import sympy
    import torch._inductor.compile_fx

""" + "".join(
    f"""
def f{index}():
    os._exit(1)
"""
    for index in range(10)
)


def test_starting_workers_counts_towards_the_submissions_time():
    host = WorkerHost("none")
    spawns = []
    spawn = host.spawn
    host.spawn = lambda limits: spawns.append(1) or spawn(limits)  # type: ignore[method-assign]
    try:
        session = Session(host, {"ex02_epochs": SLOW_TO_START}, Limits(total_seconds=1.0))
        for index in range(10):
            outcome = session.call(CallRequest("ex02_epochs", f"f{index}", []))
            assert not outcome.ok
        session.close()
    finally:
        host.close()
    assert len(spawns) <= 2, f"{len(spawns)} workers started, each preloading the imports"


# check() now scores 0 a function after which sys.getprofile() is not its watch. Python's
# own profilers set that hook and clear it when they stop: a function that profiles its
# own work (cProfile, as a learner timing an epoch would) gets "switches off check()'s
# watch: it scores 0 here" in the notebook, while make grade gives it full marks.
# (Fix: tell "switched off" from "replaced for a while": re-install the watch when the
# function returns and refuse only code of the blocked modules seen, or watch with
# sys.monitoring / an audit hook that a profiler does not displace.)
PROFILED = {
    "steps_per_epoch": """
import cProfile


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    profiler = cProfile.Profile()
    profiler.enable()
    full, rest = divmod(n_samples, batch_size)
    profiler.disable()
    return full if drop_last or rest == 0 else full + 1
"""
}


def test_a_function_that_profiles_itself_is_not_a_false_fail_in_check(tmp_path):
    submission = write_submission([], tmp_path / "submission", PROFILED)
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", "none")
    earned, possible = scores_by_function(results)["steps_per_epoch"]
    assert possible > 0 and earned == possible  # make grade: full marks
    outcome = check(load_exercise("steps_per_epoch", submission), "steps_per_epoch")
    assert outcome.score == outcome.max_score, outcome


# check()'s new watch still misses the course's reference when the function switches the
# watch off and back on (only "is it still the watch when the call returns" is checked),
# or runs it in a thread that was started before the call (threading.setprofile reaches
# only threads started after it): full marks in check(), 0 in make grade.
PROFILE_SWITCHED_OFF_AND_BACK = """
def mse_loss(input, target, reduction="mean"):
    import sys

    watch = sys.getprofile()
    sys.setprofile(None)
    try:
        return sys.modules["lesson_pkg.losses"].mse_loss(input, target, reduction=reduction)
    finally:
        sys.setprofile(watch)
"""

THREAD_STARTED_AT_IMPORT = """
import concurrent.futures as _futures

_POOL = _futures.ThreadPoolExecutor(1)
_POOL.submit(int).result()  # its thread runs from now on, before any check()


def mse_loss(input, target, reduction="mean"):
    import sys

    reference = sys.modules["lesson_pkg.losses"].mse_loss
    return _POOL.submit(reference, input, target, reduction=reduction).result()
"""


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(PROFILE_SWITCHED_OFF_AND_BACK, id="off-and-back"),
        pytest.param(
            THREAD_STARTED_AT_IMPORT,
            marks=pytest.mark.xfail(
                strict=True,
                reason="check() traces the threads its call starts, not those already "
                "running (the room's client among them); make grade gives 0",
            ),
            id="thread-at-import",
        ),
    ],
)
def test_check_refuses_the_reference_out_of_its_sight_again(tmp_path, source):
    import lesson_pkg.losses  # noqa: F401  (imported, as in the notebooks)

    submission = write_submission([], tmp_path / "submission", {"mse_loss": source})
    outcome = check(load_exercise("mse_loss", submission), "mse_loss")
    assert outcome.score == 0, str(outcome)


# The grader scans each file's text for names that reach into its process (frames, the
# module table: reaches_into_grader) and refuses the file. The worker then imports each
# file from the copy it wrote to its own folder, read back from disk when the file is
# first needed (worker_server._import: path.read_text), not from the text the grader
# scanned. ex01's import rewrites ex02_epochs.py there (the names split so that no scan
# finds them): ex02 then walks the worker's frames unrefused and earns full marks, where
# the same text in the submitted file is refused. (Fix: compile the sources received in
# the first message, kept in memory; the file on disk only for tracebacks.)
REWRITES_A_LATER_FILE = {
    "mse_loss": """
import glob as _glob
import tempfile as _tempfile

for _path in _glob.glob(f"{_tempfile.gettempdir()}/submission-*/ex02_epochs.py"):
    with open(_path, "a") as _file:
        _file.write(
            "\\n\\ndef steps_per_epoch(n_samples, batch_size, drop_last=False):\\n"
            "    import sys\\n"
            "    caller = getattr(sys, '_get' + 'frame')().f_" + "back\\n"
            "    assert caller is not None\\n"
            "    full, rest = divmod(n_samples, batch_size)\\n"
            "    return full if drop_last or rest == 0 else full + 1\\n"
        )


def mse_loss(input, target, reduction="mean"):
    errors = (input - target) ** 2
    if reduction == "mean":
        return errors.mean()
    return errors.sum() if reduction == "sum" else errors
""",
    # what the submitted ex02 says: wrong, so only the appended version could earn points
    "steps_per_epoch": """
def steps_per_epoch(n_samples, batch_size, drop_last=False):
    return 0
""",
}


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_file_rewritten_in_the_worker_is_scanned_as_imported(
    tmp_path, monkeypatch, environment, isolation
):
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, REWRITES_A_LATER_FILE)
    scores = scores_by_function(results)
    assert scores["mse_loss"][0] == scores["mse_loss"][1]  # the rewrite ran
    assert scores["steps_per_epoch"][0] == 0, "code the grader never scanned earned points"


# The worker reads the submission's files as one JSON line, at most MAX_LINE_BYTES (8 MiB),
# before it says "loading". Each file may be 1 MiB, but JSON writes a control character
# as six bytes (\\u0001): two files of 1,000,000 of them in a comment (valid Python;
# check() imports them) make a 12 MB first message, the worker refuses it and ends before
# "loading", and the grader blames the machine: "the grading machine failed, not the
# submission", status 3, no report; in a class run the student is "not graded" instead
# of scored. (Fix: bound the message by what MAX_SOURCE_BYTES allows once encoded, or
# send the sources undecoded/base64, or treat a worker ending before "loading" for a
# message the submission made as the submission's failure.)
def test_files_of_control_characters_do_not_make_the_grader_blame_the_machine(tmp_path):
    submission = write_submission([], tmp_path / "submission")
    for name in ("ex01_losses.py", "ex02_epochs.py"):
        path = submission / name
        path.write_text(path.read_text() + "# " + "\x01" * 1_000_000 + "\n")
    outcome = check(load_exercise("mse_loss", submission), "mse_loss")
    assert outcome.score == outcome.max_score  # the notebook imports and grades it
    out = tmp_path / "out"
    out.mkdir()
    results, text = grade(submission, out, "--isolation", "none", check=False)
    assert results is not None, text[-300:]
