"""Findings of the attack session of 2026-12-06 (s7), each fixed: honest code that the
worker failed while ``check()`` in the notebook gave it full marks, and the attacks that
worked (memory held by forked children, check() fooled, a preload that ended the worker).

Each test grades a submission (the solutions with one function replaced) in every
isolation and, where it matters, runs ``check()`` on the same file: both must agree.
"""

from __future__ import annotations

import codecs
import os

import pytest
from submissions import (
    EVERY_ISOLATION,
    grade,
    grade_replaced,
    scores_by_function,
    write_submission,
)

from lesson_pkg.checks import check, load_exercise
from lesson_pkg.grading.runner.outcome import CallRequest, ErrorKind
from lesson_pkg.grading.runner.worker_client import Session, reaches_into_grader, read_sources


def _graded_and_checked(tmp_path, monkeypatch, environment, isolation, replacements):
    """(scores by function in the worker, check()'s score for each replaced function)."""
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, replacements)
    checked = {}
    for function in replacements:
        outcome = check(load_exercise(function, tmp_path / "submission"), function)
        checked[function] = (outcome.score, outcome.max_score)
    return scores_by_function(results), checked, results


# ``from scipy import special`` names only "scipy" in an import statement: the preload
# imports scipy, whose ``__getattr__`` then imports scipy.special lazily, after the seccomp
# filter: its C extension "failed to map segment from shared object". The whole file
# fails to import: every function in it earns 0, while check() gives full marks.
FROM_SCIPY_IMPORT_SPECIAL = """
from scipy import special


def binary_accuracy(input, target, threshold=0.5):
    predicted = (input > threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()
"""

# The same through an attribute: ``import scipy`` then ``scipy.special.expit``.
SCIPY_ATTRIBUTE = """
import scipy


def binary_accuracy(input, target, threshold=0.5):
    assert abs(scipy.special.expit(0.0) - 0.5) < 1e-12
    predicted = (input > threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
@pytest.mark.parametrize(
    "source", [FROM_SCIPY_IMPORT_SPECIAL, SCIPY_ATTRIBUTE], ids=["from", "attr"]
)
def test_scipy_submodule_reached_from_the_package_is_not_a_false_fail(
    tmp_path, monkeypatch, environment, isolation, source
):
    replacements = {"binary_accuracy": source}
    scores, checked, results = _graded_and_checked(
        tmp_path, monkeypatch, environment, isolation, replacements
    )
    assert checked["binary_accuracy"][0] == checked["binary_accuracy"][1]
    messages = [t["output"] for t in results["tests"] if t["name"].startswith("binary_accuracy")]
    assert scores["binary_accuracy"][0] == scores["binary_accuracy"][1], messages
    for function in ("accuracy", "confusion_matrix"):  # the rest of the file too
        assert scores[function][0] == scores[function][1], (function, scores[function])


# ``from PACKAGE import SUBMODULE``: the preload imports PACKAGE only, and SUBMODULE's C
# extension then cannot load: the whole file fails (Pillow; matplotlib's pyplot, in a
# notebook's most common spelling of it).
HONEST_BINARY_ACCURACY = """


def binary_accuracy(input, target, threshold=0.5):
    predicted = (input > threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()
"""


@pytest.mark.parametrize("head", ["from PIL import Image", "from matplotlib import pyplot as plt"])
@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_from_package_import_submodule_is_preloaded(
    tmp_path, monkeypatch, environment, isolation, head
):
    replacements = {"binary_accuracy": head + HONEST_BINARY_ACCURACY}
    scores, checked, _ = _graded_and_checked(
        tmp_path, monkeypatch, environment, isolation, replacements
    )
    assert checked["binary_accuracy"][0] == checked["binary_accuracy"][1]
    for function in ("accuracy", "binary_accuracy", "confusion_matrix"):
        assert scores[function][0] == scores[function][1], (function, scores[function])


# A learner plots the losses as fit trains (what notebook 02 does): matplotlib picks its
# backend lazily, at the first plot, and imports backend_agg's C extension then, after
# the seccomp filter. In the notebook the inline backend draws; the worker fails fit.
FIT_PLOTS = """
import matplotlib.pyplot as plt


def fit(model, train_loader, loss_fn, optimizer, epochs):
    losses = [train_one_epoch(model, train_loader, loss_fn, optimizer) for _ in range(epochs)]
    plt.plot(range(1, epochs + 1), losses)
    plt.close()
    return losses
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_fit_that_plots_its_losses_is_not_a_false_fail(
    tmp_path, monkeypatch, environment, isolation
):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the notebook's check() draws inline
    replacements = {"fit": FIT_PLOTS}
    scores, checked, results = _graded_and_checked(
        tmp_path, monkeypatch, environment, isolation, replacements
    )
    assert checked["fit"][0] == checked["fit"][1]
    messages = [t["output"] for t in results["tests"] if t["name"].startswith("fit")]
    assert scores["fit"][0] == scores["fit"][1], messages


# RLIMIT_AS bounds each process, not the worker's processes together: every child it
# forks gets a limit of its own (up to 64 processes as root, none without). Three
# children holding 700 MiB each pin 2100 MiB, twice the worker's memory limit; 60 of
# them would take 42 GiB of the grading machine, with other students' workers on it.
# Now the host adds up the memory of the worker's processes every 0.1 s and stops them
# past the limit: the children cannot hold it for the second this attack waits.
FORKED_MEMORY = {
    "steps_per_epoch": """
import os as _os
import time


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    ready, told = _os.pipe()
    hold, _never_written = _os.pipe()
    children = []
    for _ in range(3):
        pid = _os.fork()
        if pid == 0:
            try:
                held = b"x" * (700 << 20)
                _os.write(told, b"1")
                _os.read(hold, 1)  # hold it until the worker is stopped
            finally:
                _os._exit(0)
        children.append(pid)
    pinned = 0
    for _ in children:
        pinned += 700 * len(_os.read(ready, 1))
    time.sleep(1.0)  # held for a second, not an instant
    raise ValueError(f"pinned {pinned} MiB")
"""
}


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_forked_children_pin_no_more_memory_than_the_limit(
    tmp_path, monkeypatch, environment, isolation
):
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, FORKED_MEMORY)
    outputs = " ".join(test["output"] for test in results["tests"])
    pinned = [int(word) for word in outputs.replace("pinned", " pinned ").split() if word.isdigit()]
    assert max(pinned, default=0) <= 1024, outputs[:500]


# The honest counterpart: most of the limit in the worker itself, and two helper
# processes forked while it is held (they share its pages, which count once) keep full
# marks. (multiprocessing and a DataLoader with num_workers > 0 are no such helpers under
# strict isolation: their locks and tensors go through /dev/shm, which a worker may not
# write.)
HONEST_MEMORY = {
    "steps_per_epoch": """
import os


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    big = torch.ones(200 * 1024**2)  # 800 MiB of the worker's 1 GiB
    helpers = []
    for _ in range(2):
        ready, told = os.pipe()
        if os.fork() == 0:  # a helper reading the shared tensor, then done
            os.write(told, str(int(big[-1])).encode())
            os._exit(0)
        helpers.append(ready)
    assert [os.read(ready, 8) for ready in helpers] == [b"1", b"1"]
    del big
    full, rest = divmod(n_samples, batch_size)
    return full if drop_last or rest == 0 else full + 1
"""
}


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_honest_memory_and_helper_processes_keep_full_marks(
    tmp_path, monkeypatch, environment, isolation
):
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, HONEST_MEMORY)
    earned, possible = scores_by_function(results)["steps_per_epoch"]
    messages = [t["output"] for t in results["tests"] if t["score"] != t["max_score"]]
    assert possible > 0 and earned == possible, messages[:1]


# A file saved "UTF-8 with BOM" (Windows Notepad's default before 2019): Python imports
# it, but the preload parses the text with its BOM (ast.parse: "invalid non-printable
# character U+FEFF"), finds no import in it and preloads nothing, so a C extension the
# file imports in an ordinary import statement cannot load under the filter.
WITH_SCIPY_SPECIAL = """
import scipy.special


def binary_accuracy(input, target, threshold=0.5):
    assert abs(scipy.special.expit(0.0) - 0.5) < 1e-12
    predicted = (input > threshold).long()
    return (predicted == target.long()).sum().item() / target.numel()
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_file_with_a_byte_order_mark_gets_its_imports_preloaded(
    tmp_path, monkeypatch, environment, isolation
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission(
        [], tmp_path / "submission", {"binary_accuracy": WITH_SCIPY_SPECIAL}
    )
    path = submission / "ex03_accuracy.py"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", isolation)
    outcome = check(load_exercise("binary_accuracy", submission), "binary_accuracy")
    assert outcome.score == outcome.max_score
    scores = scores_by_function(results)
    messages = [t["output"] for t in results["tests"] if t["name"].startswith("binary_accuracy")]
    assert scores["binary_accuracy"][0] == scores["binary_accuracy"][1], messages


# Saving a checkpoint as it trains, to the current folder: the notebook's folder when
# check() runs it; in the worker the current folder is not writable (the sandbox's /tmp
# is root's, Landlock opens only the worker's own folder): PermissionError, fit earns 0.
FIT_SAVES_CHECKPOINTS = """
def fit(model, train_loader, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        losses.append(train_one_epoch(model, train_loader, loss_fn, optimizer))
        if losses[-1] == min(losses):
            torch.save(model.state_dict(), "best_model.pt")
    return losses
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION[:-1])  # none: passes
def test_a_fit_that_saves_a_checkpoint_is_not_a_false_fail(
    tmp_path, monkeypatch, environment, isolation
):
    monkeypatch.chdir(tmp_path)  # check() writes its checkpoint here, as in a notebook
    replacements = {"fit": FIT_SAVES_CHECKPOINTS}
    scores, checked, results = _graded_and_checked(
        tmp_path, monkeypatch, environment, isolation, replacements
    )
    assert checked["fit"][0] == checked["fit"][1]
    messages = [t["output"] for t in results["tests"] if t["name"].startswith("fit")]
    assert scores["fit"][0] == scores["fit"][1], messages


def test_a_byte_order_mark_does_not_hide_a_frame_walk_from_the_scan(tmp_path):
    walk = "import sys\n_frame = sys._getframe().f_back\n"
    assert reaches_into_grader(walk) == "f_back"  # found without the mark
    (tmp_path / "ex01_losses.py").write_bytes(codecs.BOM_UTF8 + walk.encode())
    text = read_sources(tmp_path, ["ex01_losses"])["ex01_losses"]  # as the grader reads it
    assert reaches_into_grader(text) == "f_back"  # a BOM file imports all the same


# A file saved in Windows-1252 that says so (``# -*- coding: cp1252 -*-``, PEP 263):
# Python imports it, check() passes it. The grader reads every file as UTF-8 with
# errors="replace" and hands the worker that text, cookie included: "é" became U+FFFD,
# written back as UTF-8 and decoded as cp1252 ("ï¿½"), a SyntaxError in an identifier.
ACCENTED = """
def mse_loss(input, target, reduction="mean"):
    différence = input - target
    carrés = différence**2
    if reduction == "none":
        return carrés
    return carrés.mean() if reduction == "mean" else carrés.sum()
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_file_in_its_declared_encoding_is_read_in_it(
    tmp_path, monkeypatch, environment, isolation
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission([], tmp_path / "submission", {"mse_loss": ACCENTED})
    path = submission / "ex01_losses.py"
    path.write_bytes(b"# -*- coding: cp1252 -*-\n" + path.read_text().encode("cp1252"))
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", isolation)
    outcome = check(load_exercise("mse_loss", submission), "mse_loss")
    assert outcome.score == outcome.max_score
    scores = scores_by_function(results)
    messages = [t["output"] for t in results["tests"] if t["name"].startswith("mse_loss")]
    assert scores["mse_loss"][0] == scores["mse_loss"][1], messages[:1]


# check() watches the learner's call with sys.setprofile, which holds for the calling
# thread only and which the call itself can switch off: the course's reference, run in a
# thread or after sys.setprofile(None), earns full marks in check(), 0 in make grade
# (lesson_pkg is not even importable there).
REFERENCE_IN_A_THREAD = """
def mse_loss(input, target, reduction="mean"):
    import sys
    import threading

    box = []
    reference = sys.modules["lesson_pkg.losses"]
    worker = threading.Thread(
        target=lambda: box.append(reference.mse_loss(input, target, reduction=reduction))
    )
    worker.start()
    worker.join()
    return box[0]
"""

PROFILE_SWITCHED_OFF = """
def mse_loss(input, target, reduction="mean"):
    import sys

    sys.setprofile(None)
    return sys.modules["lesson_pkg.losses"].mse_loss(input, target, reduction=reduction)
"""


@pytest.mark.parametrize(
    "source", [REFERENCE_IN_A_THREAD, PROFILE_SWITCHED_OFF], ids=["thread", "setprofile"]
)
def test_check_refuses_the_reference_run_out_of_its_sight(tmp_path, source):
    import lesson_pkg.losses  # noqa: F401  (imported, as in the notebooks)

    submission = write_submission([], tmp_path / "submission", {"mse_loss": source})
    outcome = check(load_exercise("mse_loss", submission), "mse_loss")
    assert outcome.score == 0, str(outcome)


# The preload imports every module a file names, before the worker says it is ready, and
# lets only an Exception pass: a module whose import raises SystemExit (the standard
# library's venv.__main__ runs venv and calls sys.exit, unguarded) ends the worker there.
# The grader then blames the machine ("the grading worker failed to start", status 3)
# and writes no report: the student gets no score, the rest of the class none either.
EXITS_AT_PRELOAD = """
def best_epoch(values, mode="min"):
    import venv.__main__  # noqa: F401

    return 0
"""


def test_a_module_exiting_at_preload_is_the_submissions_fault(tmp_path):
    submission = write_submission([], tmp_path / "submission", {"best_epoch": EXITS_AT_PRELOAD})
    out = tmp_path / "out"
    out.mkdir()
    results, text = grade(submission, out, "--isolation", "none", check=False)
    assert results is not None, text[-300:]
    scores = scores_by_function(results)
    assert scores["best_epoch"][0] == 0
    assert scores["fit"][0] == scores["fit"][1], scores  # the other functions still graded


# Whatever ends a worker while it loads the modules a submission names (an installed
# module that exits hard at import, or holds more memory than allowed) is the
# submission's failure, not the machine's: the worker says "loading" once it has the
# files, and a death after that fails each call with a message, once, without a restart.
class _WorkerDyingWhileLoading:
    """A worker host whose workers say "loading", then end."""

    def __init__(self) -> None:
        self.spawned = 0

    def spawn(self, limits):
        self.spawned += 1
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        os.write(reply_write, b'{"id": "loading"}\n')
        os.close(reply_write)  # the worker has ended
        os.close(request_read)
        return request_write, reply_read

    def stop_workers(self) -> None:
        pass


def test_a_worker_ending_while_it_loads_the_imports_fails_the_submission_not_the_grader():
    host = _WorkerDyingWhileLoading()
    session = Session(host, {"ex02_epochs": "import scipy\n"})  # type: ignore[arg-type]
    outcomes = [session.call(CallRequest("ex02_epochs", "steps_per_epoch", [10, 3]))]
    outcomes.append(session.call(CallRequest("ex02_epochs", "best_epoch", [[0.3, 0.1]])))
    for outcome in outcomes:
        assert not outcome.ok and outcome.error_kind is ErrorKind.IMPORT
        assert "the modules your files import could not be loaded" in outcome.error
        assert "ended the worker" in outcome.error
    assert host.spawned == 1
