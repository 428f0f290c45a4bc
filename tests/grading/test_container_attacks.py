"""The attacks that worked where no namespace can be made earn nothing now, in every mode.

Gradescope runs the grader in a Docker container whose seccomp profile forbids new user
namespaces: bubblewrap cannot start, and the worker runs as an unprivileged user alone
(``LESSON_PKG_BWRAP=""`` forces that mode here). The attacks:

- run the course's ``solutions/`` and ``lesson_pkg/losses/`` by path (the checkout is
  world-readable, as a clone is);
- import the reference, or the readable ``lesson_pkg.validation`` of an editable install;
- one student leaves files in ``/tmp``, ``/dev/shm`` and ``/var/tmp``, System V shared
  memory, a message queue, a semaphore set and a POSIX message queue; the next student
  reads them.

Each path attack is also graded with ``--isolation none``, where it must earn its points:
proof that the attack is real, so that its zero elsewhere means the isolation held.
An honest answer that imports installed packages (matplotlib, numpy.polynomial) earns full
marks in every mode.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest
from submissions import MODES, ROOT, grade, scores_by_function, write_submission

from lesson_pkg.grading.runner import cleanup

MARK = "leakmark7"
KEY = 0x5EC7E7
PROTECTED_MODES = [
    *MODES,
    pytest.param(
        {"LESSON_PKG_BWRAP": "", "LESSON_PKG_LANDLOCK": ""},
        marks=pytest.mark.skipif(os.geteuid() != 0, reason="the user path needs a root grader"),
        id="user-without-landlock",
    ),
]

RUN_THE_SOLUTIONS_BY_PATH = f"""
def mse_loss(input, target, reduction="mean"):
    namespace = {{}}
    try:
        with open({str(ROOT / "solutions" / "ex01_losses.py")!r}) as handle:
            exec(handle.read(), namespace)
    except OSError:
        return input.sum() * 0
    return namespace["mse_loss"](input, target, reduction)
"""

RUN_THE_REFERENCE_BY_PATH = f"""
def mae_loss(input, target, reduction="mean"):
    import types
    package = {str(ROOT / "lesson_pkg")!r}
    modules = ("losses/_reduction.py", "losses/_shared.py", "losses/regression.py")
    try:
        with open(package + "/validation.py") as handle:
            validation = handle.read()
        sources = []
        for module in modules:
            with open(package + "/" + module) as handle:
                sources.append(handle.read())
    except OSError:
        return input.sum() * 0
    copy = types.ModuleType("validation_copy")
    exec(validation, copy.__dict__)
    namespace = {{"__name__": "losses_copy", "validation": copy, "ArrayLike": copy.ArrayLike}}
    for source in sources:  # the package's imports dropped: the copies share one namespace
        kept = [line for line in source.splitlines() if not line.startswith("from lesson_pkg")]
        exec("\\n".join(kept), namespace)
    return namespace["mae_loss"](input, target, reduction)
"""


IMPORT_THE_REFERENCE = """
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    try:
        import lesson_pkg.validation  # readable in an editable install
        from lesson_pkg import losses
    except ImportError:
        return input.sum() * 0
    return losses.binary_cross_entropy(input, target, weight, reduction)
"""

_LIBC = """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    folders = ("/tmp", "/dev/shm", "/var/tmp")
"""

PLANT = f"""
def mse_loss(input, target, reduction="mean"):
{_LIBC}
    for folder in folders:
        try:
            with open(folder + "/{MARK}", "w") as handle:
                handle.write("secret")
        except OSError:
            pass
    libc.shmget({KEY}, 4096, 0o1666)
    libc.msgget({KEY}, 0o1666)
    libc.semget({KEY}, 1, 0o1666)
    libc.mq_open(b"/{MARK}", os.O_CREAT | os.O_RDWR, 0o666, None)
    return input.sum() * 0
"""

READ_WHAT_WAS_PLANTED = f"""
def mse_loss(input, target, reduction="mean"):
{_LIBC}
    found = [folder for folder in folders if os.path.exists(folder + "/{MARK}")]
    found += ["shm"] if libc.shmget({KEY}, 0, 0) >= 0 else []
    found += ["msg"] if libc.msgget({KEY}, 0) >= 0 else []
    found += ["sem"] if libc.semget({KEY}, 0, 0) >= 0 else []
    found += ["mq"] if libc.mq_open(b"/{MARK}", os.O_RDONLY) >= 0 else []
    if not found:
        return input.sum() * 0
    squared = (input - target) ** 2
    return {{"mean": squared.mean(), "sum": squared.sum()}}.get(reduction, squared)
"""

HONEST_IMPORTS = """
def steps_per_epoch(n_samples, batch_size, drop_last=False):
    import numpy.polynomial
    from matplotlib import colors

    assert numpy.polynomial.Polynomial([1, 2])(1) == 3 and colors.to_hex((1, 0, 0)) == "#ff0000"
    if drop_last:
        return n_samples // batch_size
    return -(-n_samples // batch_size)
"""


def _set(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


def _path_attacks(folder: Path) -> Path:
    return write_submission(
        [],
        folder,
        {
            "mse_loss": RUN_THE_SOLUTIONS_BY_PATH,
            "mae_loss": RUN_THE_REFERENCE_BY_PATH,
            "binary_cross_entropy": IMPORT_THE_REFERENCE,
            "steps_per_epoch": HONEST_IMPORTS,
        },
    )


@pytest.fixture(scope="module")
def path_attacks(tmp_path_factory) -> Path:
    return _path_attacks(tmp_path_factory.mktemp("path-attacks") / "submission")


def test_the_path_attacks_are_real_they_win_unprotected(path_attacks, tmp_path):
    results, table = grade(path_attacks, tmp_path, "--isolation", "none")
    scores = scores_by_function(results)
    assert "Isolation: none" in table
    for function in ("mse_loss", "mae_loss", "steps_per_epoch"):
        assert scores[function][0] == scores[function][1] > 0, (function, scores[function])
    assert scores["binary_cross_entropy"][0] == 0  # imports are blocked in every mode


@pytest.mark.parametrize("environment", PROTECTED_MODES)
def test_reading_the_reference_earns_nothing_and_honest_imports_earn_everything(
    path_attacks, environment, tmp_path, monkeypatch
):
    _set(monkeypatch, environment)
    results, table = grade(path_attacks, tmp_path, "--isolation", "strict", check=False)
    if "LESSON_PKG_LANDLOCK" in environment and not _course_is_private():
        # file modes alone cannot keep a world-readable checkout from the worker: refused
        assert results is None and "chmod -R go-rwx" in table, table
        return
    scores = scores_by_function(results)
    for function in ("mse_loss", "mae_loss", "binary_cross_entropy"):
        assert scores[function][0] == 0, (function, scores[function])
    assert scores["steps_per_epoch"][0] == scores["steps_per_epoch"][1] > 0, table
    assert "Isolation: none" not in table


def _course_is_private() -> bool:
    return not os.stat(ROOT / "solutions").st_mode & 0o005


def _leftovers() -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    found = [f"{folder}/{MARK}" for folder in ("/tmp", "/dev/shm", "/var/tmp")]
    found = [path for path in found if os.path.exists(path)]
    found += [
        kind for kind, get in (("shm", libc.shmget), ("msg", libc.msgget)) if get(KEY, 0, 0) >= 0
    ]
    found += ["sem"] if libc.semget(KEY, 0, 0) >= 0 else []
    found += ["mq"] if libc.mq_open(f"/{MARK}".encode(), os.O_RDONLY) >= 0 else []
    return found


@pytest.mark.parametrize("environment", MODES)
def test_one_student_leaves_nothing_for_the_next(environment, tmp_path, monkeypatch):
    _set(monkeypatch, environment)
    assert _leftovers() == []
    submissions = tmp_path / "class"
    submissions.mkdir(mode=0o700)
    write_submission([], submissions / "a-planter", {"mse_loss": PLANT})
    write_submission([], submissions / "b-reader", {"mse_loss": READ_WHAT_WAS_PLANTED})
    completed = _grade_class(submissions, tmp_path / "results")
    assert completed.returncode == 0, completed.stderr
    gradebook = (tmp_path / "results" / "gradebook.csv").read_text().splitlines()
    header = gradebook[0].split(",")
    rows = {row.split(",")[0]: row.split(",") for row in gradebook[1:]}
    column = header.index("mse_loss")
    assert rows["a-planter"][column] == "0" and rows["b-reader"][column] == "0", gradebook
    assert rows["b-reader"][header.index("mae_loss")] != "0"  # the rest was graded
    assert _leftovers() == []


def _grade_class(submissions: Path, out: Path):
    import subprocess
    import sys

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.grade",
            "--class",
            str(submissions),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--time-limit",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_cleanup_finds_ipc_objects_by_owner():
    """The /proc/sysvipc reading, checked on objects this process makes (and removes)."""
    libc = ctypes.CDLL(None, use_errno=True)
    made = [
        ("shm", libc.shmget(KEY + 1, 4096, 0o1600)),
        ("msg", libc.msgget(KEY + 1, 0o1600)),
        ("sem", libc.semget(KEY + 1, 1, 0o1600)),
    ]
    try:
        assert all(identifier >= 0 for _, identifier in made)
        assert set(made) <= set(cleanup.ipc_objects_of(os.getuid()))
        assert not set(made) & set(cleanup.ipc_objects_of(os.getuid() + 12345))
    finally:
        libc.shmctl(made[0][1], cleanup.IPC_RMID, None)
        libc.msgctl(made[1][1], cleanup.IPC_RMID, None)
        libc.semctl(made[2][1], 0, cleanup.IPC_RMID)


@pytest.mark.skipif(os.geteuid() != 0, reason="worker users are switched to only by root")
def test_graders_running_at_once_never_share_a_worker_user(tmp_path, monkeypatch):
    """The cleanup after a submission removes all its user owns: a second grader's
    worker must have a user of its own, or it would be killed mid-run."""
    from lesson_pkg.grading.runner import isolation

    first = isolation.claim_worker_ids()
    second = isolation.claim_worker_ids()
    assert first[0] != second[0]
    first[2].close()
    assert isolation.claim_worker_ids()[0] == first[0]  # a released user is taken again
    monkeypatch.setenv("LESSON_PKG_BWRAP", "")
    import subprocess
    import sys

    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "lesson_pkg.grade", "--target", str(ROOT / "solutions")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for _ in range(3)
    ]
    tables = [run.communicate(timeout=600)[0] for run in runs]
    assert all("Score: 95 / 95. All tests passed." in table for table in tables), tables
    uids = {
        line.split("uid ")[1].split(",")[0]
        for table in tables
        for line in table.splitlines()
        if line.startswith("Isolation")
    }
    assert len(uids) == 3, uids
