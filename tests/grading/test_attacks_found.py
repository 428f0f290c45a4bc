"""Attacks an adversarial review found, each now asserting the safe behaviour.

Switching off the worker's block of the built-ins (through the module table or frames),
a FIFO named like an exercise file, a zip linked to a classmate's, deep or huge replies,
a formula as a folder name in the similarity report, a student folder named like a class
output, the forbidden built-in run in a thread or a process the submission starts or with
the dispatch modes switched off. One hole is still open and marked
``xfail(strict=True)``: memory a worker pins outside its address-space limit (a
RAM-backed /tmp, System V shared memory). Every grader run here has a timeout and its
whole process group is killed when it runs past it.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from submissions import (
    EVERY_ISOLATION,
    MODES,
    ROOT,
    grade,
    grade_replaced,
    scores_by_function,
    write_submission,
)

from lesson_pkg.grading.exercises import cases_for

LOSSES = ("mse_loss", "mae_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def _run(arguments: list[str], cwd: Path, seconds: float) -> subprocess.CompletedProcess | None:
    """The grader's command line, or None when it ran past ``seconds`` (then killed whole)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lesson_pkg.grade", *arguments],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# --- 1. the forbidden built-ins are blocked by a table the submission can empty --------

CLEARS_THE_TABLE = {
    name: f"""
import sys as _sys
_sys.modules["lesson_pkg.grading.runner.execution"].FORBIDDEN_BUILTINS.clear()


def {name}(input, target, reduction="mean"):
    return torch.nn.functional.{"l1_loss" if name == "mae_loss" else name}(
        input, target, reduction=reduction
    )
"""
    for name in LOSSES
}

WALKS_THE_FRAMES = {
    "mse_loss": """
import sys as _sys

for _name in [name for name in _sys.modules if name.startswith("lesson_pkg")]:
    del _sys.modules[_name]  # as if the runner's modules were hidden from the submission
_frame = _sys._getframe()
while _frame is not None and "execution" not in _frame.f_globals:
    _frame = _frame.f_back
_frame.f_globals["execution"].FORBIDDEN_BUILTINS.clear()


def mse_loss(input, target, reduction="mean"):
    return torch.nn.functional.mse_loss(input, target, reduction=reduction)
"""
}


@pytest.mark.parametrize("attack", [CLEARS_THE_TABLE, WALKS_THE_FRAMES], ids=["table", "frames"])
@pytest.mark.parametrize("environment", MODES)
def test_switching_off_the_built_in_block_earns_nothing(tmp_path, environment, monkeypatch, attack):
    results = grade_replaced(tmp_path, monkeypatch, environment, "strict", attack)
    scores = scores_by_function(results)
    for function in attack:
        assert scores[function][0] == 0, (function, scores[function])


# --- 2. a FIFO named like an exercise file hangs the grader for ever --------------------


def test_a_fifo_exercise_file_is_missing_not_a_hang(tmp_path):
    submission = write_submission([], tmp_path / "submission")
    (submission / "ex01_losses.py").unlink()
    os.mkfifo(submission / "ex01_losses.py")
    results = tmp_path / "results.json"
    completed = _run(["--target", str(submission), "--json", str(results)], tmp_path, 90)
    assert completed is not None, "the grader hung on the FIFO"
    assert json.loads(results.read_text())["tests"]


# --- 3. a symbolic link to a zip is followed: another student's work is graded ---------


def test_a_student_whose_zip_links_to_a_classmates_earns_nothing(tmp_path):
    submissions = tmp_path / "submissions"
    (submissions / "alice").mkdir(parents=True)
    (submissions / "bob").mkdir()
    submissions.chmod(0o700)
    honest = write_submission([], tmp_path / "honest")
    with zipfile.ZipFile(submissions / "alice" / "hw.zip", "w") as archive:
        for path in honest.glob("ex*.py"):
            archive.write(path, path.name)
    (submissions / "bob" / "hw.zip").symlink_to("../alice/hw.zip")
    out = tmp_path / "out"
    completed = _run(
        ["--class", str(submissions), "--out", str(out), "--no-similarity", "--jobs", "1"],
        tmp_path,
        400,
    )
    assert completed is not None and completed.returncode == 0, completed
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    total = sum(case.points for case in cases_for())
    assert rows["alice"]["total"] == f"{total:g}", rows["alice"]  # the run itself worked
    assert "bob" not in rows or rows["bob"]["total"] == "0", rows["bob"]


# --- 4. memory outside the worker's limit: tmpfs files, System V shared memory ---------

PINS_MEMORY = {
    "steps_per_epoch": """
import ctypes as _ctypes
import tempfile as _tempfile


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    pinned = 0
    try:  # files in the worker's own folder (a tmpfs in RAM under bubblewrap)
        for index in range(24):
            with open(f"{_tempfile.gettempdir()}/fill{index}", "wb") as handle:
                for _ in range(63):
                    handle.write(b"x" * (1 << 20))
            pinned += 63
    except OSError:
        pass
    try:  # ctypes is refused in the worker since its audit hook: the files alone remain
        libc = _ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = _ctypes.c_void_p
        for _ in range(2):  # System V segments, touched then detached: out of RLIMIT_AS
            segment = libc.shmget(0, _ctypes.c_size_t(1 << 29), 0o600 | 0o1000)
            address = libc.shmat(segment, None, 0) if segment >= 0 else None
            if address not in (None, _ctypes.c_void_p(-1).value):
                _ctypes.memset(address, 1, 1 << 29)
                libc.shmdt(_ctypes.c_void_p(address))
                pinned += 512
    except RuntimeError:
        pass
    raise ValueError(f"pinned {pinned} MiB")
"""
}


# Under bubblewrap the sandbox's /tmp is a tmpfs of at most isolation.TMP_BYTES. Without
# namespaces (a container's root cannot mount) a worker's files have no bound but the
# disk's: its folder, on the machine's own /tmp, is removed after each student.
BOUNDED_FILES = [
    MODES[0],
    pytest.param(
        *MODES[1].values,
        marks=[
            *MODES[1].marks,
            pytest.mark.xfail(
                strict=True, reason="finding 4: no bound on files without namespaces"
            ),
        ],
        id=MODES[1].id,
    ),
]


@pytest.mark.parametrize("environment", BOUNDED_FILES)
def test_a_worker_pins_no_more_memory_than_its_limit(tmp_path, environment, monkeypatch):
    results = grade_replaced(tmp_path, monkeypatch, environment, "strict", PINS_MEMORY)
    outputs = " ".join(test["output"] for test in results["tests"])
    pinned = [int(word) for word in outputs.replace("pinned", " pinned ").split() if word.isdigit()]
    assert max(pinned, default=0) <= 1024, outputs[:500]


# --- 5. replies that hurt the grader: deep nesting, and a 50x memory blow-up ------------

REPLY_FD = """
import fcntl as _fcntl


def _reply_fd():
    for descriptor in map(int, os.listdir("/proc/self/fd")):
        try:
            flags = _fcntl.fcntl(descriptor, _fcntl.F_GETFL)
        except OSError:
            continue
        link = os.readlink(f"/proc/self/fd/{descriptor}") if descriptor > 2 else ""
        if flags & os.O_ACCMODE == os.O_WRONLY and link.startswith("pipe:"):
            return descriptor
"""

NESTED = {
    "steps_per_epoch": REPLY_FD
    + """

def steps_per_epoch(n_samples, batch_size, drop_last=False):
    os.write(_reply_fd(), b"[" * 100_000 + b"\\n")
    return 0
"""
}

DICTS = {
    "steps_per_epoch": REPLY_FD
    + """

def steps_per_epoch(n_samples, batch_size, drop_last=False):
    descriptor = _reply_fd()
    os.write(descriptor, b"[")
    for _ in range(2):
        os.write(descriptor, b"{},{},{},{}," * (1 << 20))
    os.write(descriptor, b"{}]\\n")
    return 0
"""
}


def _with_os(attack: dict[str, str]) -> dict[str, str]:
    return {name: "import os\n" + source for name, source in attack.items()}


def test_a_deeply_nested_reply_is_the_submissions_fault_not_the_graders(tmp_path):
    submission = write_submission([], tmp_path / "submission", _with_os(NESTED))
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", "strict")
    outputs = [test["output"] for test in results["tests"]]
    assert not any("tell the course staff" in output for output in outputs), outputs


# The grade runs below a fresh process, so that the peak is this grade's alone, not that
# of an earlier test's child (RUSAGE_CHILDREN keeps the largest child of the process).
PEAK_OF_A_GRADE = """
import resource, subprocess, sys
completed = subprocess.run([sys.executable, "-m", "lesson_pkg.grade", *sys.argv[1:]])
print(completed.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_reply_of_empty_dicts_does_not_blow_up_the_graders_memory(tmp_path):
    submission = write_submission([], tmp_path / "submission", _with_os(DICTS))
    results = tmp_path / "results.json"
    options = ["--target", str(submission), "--json", str(results), "--isolation", "strict"]
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_OF_A_GRADE, *options],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    returncode, peak_kib = map(int, measured.stdout.split()[-2:])
    assert returncode == 0 and results.exists(), measured.stderr[-2000:]
    assert peak_kib < 1_000_000, f"a grader process reached {peak_kib / 1024:.0f} MiB"


# --- 7. similarity.csv writes student names raw: a spreadsheet formula ------------------


def test_a_student_name_is_never_a_formula_in_the_similarity_csv(tmp_path):
    submissions = tmp_path / "submissions"
    for student in ('=HYPERLINK("x.example","click")', "frank"):
        write_submission([], submissions / student)
    submissions.chmod(0o700)
    out = tmp_path / "similarity"
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lesson_pkg.cli import main; main()",
            "similarity",
            str(submissions),
            "--out",
            str(out),
            "--course",
            str(ROOT),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr

    rows = list(csv.reader((out / "similarity.csv").open()))
    cells = [cell for row in rows[1:] for cell in row[1:3]]
    assert cells and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


# --- 8. a student folder named like a class-wide output file stops the class report -----


def test_a_student_named_gradebook_csv_does_not_stop_the_class_report(tmp_path):
    submissions = tmp_path / "submissions"
    for student in ("alice", "gradebook.csv"):
        write_submission([], submissions / student)
    submissions.chmod(0o700)
    out = tmp_path / "out"
    completed = _run(
        ["--class", str(submissions), "--out", str(out), "--no-similarity", "--jobs", "1"],
        tmp_path,
        400,
    )
    assert completed is not None and completed.returncode == 0, completed
    assert (out / "gradebook.csv").is_file()


def test_honest_code_is_not_mistaken_for_reaching_into_the_grader():
    from lesson_pkg.grading.runner.worker_client import reaches_into_grader

    honest = "def train_one_epoch(model, loader, loss_fn, optimizer):\n"
    honest += "    layers = list(model.modules())\n    return 0.0\n"
    assert reaches_into_grader(honest) is None
    assert reaches_into_grader("import sys\nsys.modules['x']") == "sys.modules"
    assert reaches_into_grader("import sys\ngetattr(sys, '_get' 'frame')") == "_getframe"
    modes_off = "torch.utils._python_dispatch._disable_current_modes()"
    assert reaches_into_grader(modes_off) == "_disable_current_modes"
    assert reaches_into_grader("torch._ops._OpNamespace('aten')") == "_OpNamespace"
    for path in (ROOT / "solutions").glob("ex*.py"):
        assert reaches_into_grader(path.read_text()) is None, path


# --- 9. the built-in reached from outside the call's thread or process, or its mode ----
# Found by the review of the restructured grader (December 2026). The block of the
# built-ins was a TorchDispatchMode, which holds for the calling thread only and which
# the submission can switch off: a thread the submission starts ran the aten operator
# unblocked, so did a fresh interpreter it started, and so did its own thread with the
# mode stack emptied (the names built from pieces, which no scan of the source sees).
# A kernel registered only while a call runs is not enough either: a thread saves
# torch's own kernel (``torch.library.get_kernel``) in between; and torch's own Python
# version of the loss (``torch._refs``, for tracing) is no kernel at all. Now the worker
# has no kernel of any forbidden built-in from before the submission's import on, in
# every thread, its Python twins raise, and a seccomp filter refuses it any new program.
# Graded in every isolation, ``none`` too: no layer depends on the system's isolation.


IN_A_THREAD = """
import threading


def mse_loss(input, target, reduction="mean"):
    box = {}
    mode = {"none": 0, "mean": 1, "sum": 2}[reduction]

    def run():
        aten = getattr(torch._ops, "_Op" + "Namespace")("aten")  # past the scan of the source
        box["value"] = aten.mse_loss.default(input, target, mode)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box["value"]
"""

IN_A_PROCESS = """
import pickle
import subprocess
import sys

HELPER = (
    "import pickle, sys, torch\\n"
    "a, b, reduction = pickle.load(sys.stdin.buffer)\\n"
    "pickle.dump(torch.nn.functional.mse_loss(a, b, reduction=reduction), sys.stdout.buffer)\\n"
)


def mse_loss(input, target, reduction="mean"):
    if input.requires_grad:
        raise NotImplementedError("values only: enough to show the hole")
    helper = subprocess.run(
        [sys.executable, "-c", HELPER],
        input=pickle.dumps((input.detach(), target.detach(), reduction)),
        capture_output=True,
        check=True,
    )
    return pickle.loads(helper.stdout)
"""


WITH_NO_MODE = """
import importlib


def mse_loss(input, target, reduction="mean"):
    dispatch = importlib.import_module("torch.utils._python" + "_dispatch")
    mode = {"none": 0, "mean": 1, "sum": 2}[reduction]
    aten = getattr(torch._ops, "_Op" + "Namespace")("aten")
    with getattr(dispatch, "_disable_current" + "_modes")():
        return aten.mse_loss.default(input, target, mode)
"""

SAVES_THE_KERNEL = """
import threading
import time

SAVED = []


def _save():  # a thread of the import's, trying until the block is lifted
    probe = torch.ones(2)
    while not SAVED:
        kernel = getattr(torch.library, "get_" + "kernel")("aten::mse_loss", "CPU")
        try:
            kernel.call_boxed(torch._C.DispatchKeySet("CPU"), probe, probe, 1)
            SAVED.append(kernel)
        except Exception:
            time.sleep(0.005)


threading.Thread(target=_save, daemon=True).start()


def mse_loss(input, target, reduction="mean"):
    for _ in range(100):
        if SAVED:
            mode = {"none": 0, "mean": 1, "sum": 2}[reduction]
            return SAVED[0].call_boxed(torch._C.DispatchKeySet("CPU"), input, target, mode)
        time.sleep(0.01)
    raise RuntimeError("no kernel saved")
"""

TORCHS_PYTHON_TWIN = """
import importlib


def mse_loss(input, target, reduction="mean"):
    references = importlib.import_module("torch._" + "refs.nn.functional")
    return references.mse_loss(input, target, reduction=reduction)
"""

ROUTES = {
    "thread": IN_A_THREAD,
    "process": IN_A_PROCESS,
    "no mode": WITH_NO_MODE,
    "saved kernel": SAVES_THE_KERNEL,
    "python twin": TORCHS_PYTHON_TWIN,
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_the_built_in_run_in_another_thread_or_process_earns_nothing(
    tmp_path, environment, isolation, route, monkeypatch
):
    results = grade_replaced(
        tmp_path, monkeypatch, environment, isolation, {"mse_loss": ROUTES[route]}
    )
    scores = scores_by_function(results)
    earned, possible = scores["mse_loss"]
    assert possible > 0 and earned == 0, f"{route}: {earned} of {possible}"
    honest = {function: score for function, score in scores.items() if function != "mse_loss"}
    assert all(earned == possible for earned, possible in honest.values()), honest


# Found when a landing CI failed: a file that forks at import leaves a copy of the worker
# that comes back from the import (here by raising) and answers the grader's requests too;
# the grader read a reply to another request, "unreadable", and an honest function in the
# same file lost a point (which one depended on the machine's load). In any process the
# submission forks, the grader's pipes now lead nowhere.

FORKS_AT_IMPORT = """import os

if os.fork() == 0:
    raise RuntimeError("a copy of the worker comes back from the import")
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_a_copy_of_the_worker_forked_at_import_never_answers_for_it(
    tmp_path, environment, isolation, monkeypatch
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission([], tmp_path / "submission")
    metrics = submission / "ex03_accuracy.py"
    metrics.write_text(FORKS_AT_IMPORT + metrics.read_text())
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", isolation)
    lost = [test["name"] for test in results["tests"] if test["score"] != test["max_score"]]
    assert results["score"] == sum(case.points for case in cases_for()) and lost == [], lost
