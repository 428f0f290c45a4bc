"""In-notebook checks, and the set-up report.

``check("mse_loss")`` grades one exercise in about a second, and
``environment_report()`` says whether the set-up worked. The same cases as the
autograder (:mod:`lesson_pkg.grading.exercises`) run on your ``exercises/`` file
(read afresh at each call, so an edit counts without restarting the kernel) or on a
function defined in the notebook. The function runs in the notebook's
own kernel (it is your code, checked for you), and the result is one line per case:
pass, or what is wrong with a hint.

Example::

    from lesson_pkg.checks import check

    check("mse_loss")            # exercises/ex01_losses.py, as saved now

    def mse_loss(input, target, reduction="mean"):
        ...

    check(mse_loss)              # a function of the notebook

In a workshop, ``join_room(url, name="seat 14")`` (or ``LESSON_ROOM`` set to the room's
join address) makes each check post its outcome to the instructor's live room as well
(:mod:`lesson_pkg.room.client`: points and the named mistake, never code).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from lesson_pkg.grading import exercises as registry
from lesson_pkg.grading import runner
from lesson_pkg.grading.core.cases import InProcessSubmission
from lesson_pkg.grading.core.engine import ERROR_MESSAGES, CaseResult, grade_case
from lesson_pkg.grading.runner.execution import ForbiddenCall
from lesson_pkg.grading.runner.outcome import ErrorKind
from lesson_pkg.grading.runner.worker_server import BLOCKED_MODULES, is_blocked
from lesson_pkg.room.client import join_room as join_room
from lesson_pkg.room.client import report_check

NOT_WRITTEN = ERROR_MESSAGES[ErrorKind.NOT_IMPLEMENTED]
# the grader's runner: check() runs its code around the learner's (the built-ins' block)
RUNNER_FOLDER = os.path.join(os.path.dirname(runner.__file__), "")


@dataclass(frozen=True)
class CheckedCase:
    """One case of a check: its title and points, and what grading it gave."""

    title: str
    points: int
    result: CaseResult

    @property
    def passed(self) -> bool:
        """Whether the case passed."""
        return self.result.passed

    @property
    def not_written(self) -> bool:
        """Whether the function is still the stub (it raises NotImplementedError)."""
        return self.result.error_kind is ErrorKind.NOT_IMPLEMENTED


@dataclass(frozen=True)
class CheckResult:
    """Points earned on each case of one function, printable as a short summary."""

    function: str
    cases: list[CheckedCase]

    @property
    def mistake(self) -> str:
        """The id of the classic mistake the first failing case matches, or ""."""
        named = [case.result.mistake for case in self.cases if case.result.mistake]
        return named[0].id if named else ""

    @property
    def score(self) -> int:
        """Points earned."""
        return sum(case.points for case in self.cases if case.passed)

    @property
    def max_score(self) -> int:
        """Points possible."""
        return sum(case.points for case in self.cases)

    @property
    def passed(self) -> bool:
        """Whether every case passed."""
        return self.score == self.max_score

    @property
    def not_written(self) -> bool:
        """Whether every case met the stub: the function is not written yet."""
        return all(case.not_written for case in self.cases)

    def __str__(self) -> str:
        if self.not_written:
            return f"{self.function}: 0/{self.max_score} points, {NOT_WRITTEN}"
        verdict = "all checks pass" if self.passed else "some checks fail"
        rows = [f"{self.function}: {self.score}/{self.max_score} points, {verdict}"]
        for case in self.cases:
            mark = "PASS" if case.passed else "FAIL"
            why = "" if case.passed else f": {case.result.message}"
            rows.append(f"  {mark}  {case.title} ({case.points} pt){why}")
        return "\n".join(rows)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def find_exercises(start: Path | None = None) -> Path:
    """The ``exercises/`` folder of the course: in ``start`` (the current folder) or above.

    ``LESSON_PKG_EXERCISES``, when set, names the folder instead (the test suite points
    it at freshly generated stubs, so that it never reads a learner's work).
    """
    chosen = os.environ.get("LESSON_PKG_EXERCISES")
    if chosen:
        return Path(chosen)
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "exercises" / "ex01_losses.py").is_file():
            return folder / "exercises"
    raise FileNotFoundError(
        f"no exercises/ folder in {start} or above: open the notebook from the course "
        "folder, or pass your function itself: check(mse_loss)"
    )


def load_exercise(name: str, exercises: Path | None = None) -> Callable:
    """Your ``name`` function from its ``exercises/`` file, read afresh from disk."""
    file = registry.file_of(name)
    path = (exercises or find_exercises()) / f"{file}.py"
    spec = importlib.util.spec_from_file_location(f"your_{file}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if not callable(function):
        raise AttributeError(f"{path} defines no function {name}")
    refused = _refused_imports(module)
    if refused:
        return _refused_file(path.name, refused)
    return function


def _refused_imports(module: ModuleType) -> list[str]:
    """The modules ``make grade`` refuses that ``module`` imported (lesson_pkg, sklearn...)."""
    names = {
        value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        for value in vars(module).values()
    }
    return sorted(name for name in names if isinstance(name, str) and is_blocked(name))


def _refused_file(file: str, refused: list[str]) -> Callable:
    """A stand-in for every function of ``file``: ``make grade`` cannot import it."""

    def refused_by_make_grade(*args: Any, **kwargs: Any) -> Any:
        raise ForbiddenCall(
            f"{file} imports {', '.join(refused)}, which `make grade` blocks: there the "
            "whole file would earn 0. Implement the function yourself"
        )

    return refused_by_make_grade


def _as_make_grade_runs_it(function: Callable, name: str) -> Callable:
    """``function``, refused as ``make grade`` refuses it when it runs the course's code.

    ``make grade`` blocks lesson_pkg, the solutions and sklearn while it grades; here they
    are loaded, so each call is watched (:func:`_watching`) for code of theirs running.
    The course's own functions (its reference, its catalogue of mistakes) run unwatched.
    """
    course = [registry.reference(name), *(m.implementation for m in registry.mistakes_for(name))]
    if any(function is own for own in course):
        return function

    @functools.wraps(function)
    def watched(*args: Any, **kwargs: Any) -> Any:
        ran: list[str] = []
        with _watching(ran):
            result = function(*args, **kwargs)
        if ran:
            raise ForbiddenCall(
                f"your {name} runs code of {ran[0]}, which `make grade` blocks: there it "
                "would earn 0. Implement the function yourself"
            )
        return result

    return watched


@contextlib.contextmanager
def _watching(ran: list[str]) -> Iterator[None]:
    """While inside, ``ran`` records the first package ``make grade`` blocks whose code runs.

    A trace function (``sys.settrace``, which a profiler such as cProfile leaves alone) on
    this thread and the threads started meanwhile; not on threads already running, such
    as the room's client posting an earlier check. A debugger replacing the trace ends
    the watch: ``make grade`` decides.
    """
    folders = _blocked_folders()

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and not ran and (package := _course_code(frame, folders)):
            ran.append(package)

    previous = sys.gettrace(), threading.gettrace()
    sys.settrace(watch)
    threading.settrace(watch)
    try:
        yield
    finally:
        sys.settrace(previous[0])
        threading.settrace(previous[1])  # type: ignore[arg-type]


def _blocked_folders() -> dict[str, str]:
    """The folder of each loaded package ``make grade`` blocks, and the package's name."""
    folders = {}
    for name in BLOCKED_MODULES:
        for folder in getattr(sys.modules.get(name), "__path__", None) or []:
            folders[os.path.join(folder, "")] = name
    return folders


def _course_code(frame: FrameType, folders: dict[str, str]) -> str | None:
    """The blocked package whose code ``frame`` runs, by its file or its module's name.

    None for the learner's code, and for this module and the grader's runner, which
    check() itself runs.
    """
    file = frame.f_code.co_filename
    if file == __file__ or file.startswith(RUNNER_FOLDER):
        return None
    package = next((name for folder, name in folders.items() if file.startswith(folder)), None)
    module = frame.f_globals.get("__name__")
    if package is None and isinstance(module, str) and is_blocked(module):
        package = module.split(".")[0]
    return package


def check(function: Callable | str, name: str | None = None) -> CheckResult:
    """Grade an exercise function on the autograder's cases.

    ``function`` is the exercise's name (``"mse_loss"``: your ``exercises/`` file, as it
    is saved now) or a function; ``name`` is the exercise's name when the function has
    another one. Returns the result, which prints as one line per case.
    """
    exercise: str
    if isinstance(function, str):
        exercise = function
        _check_exercise(exercise)
        function = load_exercise(exercise)
    elif callable(function):
        exercise = name or str(getattr(function, "__name__", ""))
        _check_exercise(exercise)
    else:
        raise TypeError(
            f"check() takes an exercise's name or the function itself, got "
            f"{type(function).__name__}"
        )
    submission = InProcessSubmission({exercise: _as_make_grade_runs_it(function, exercise)})
    cases = [
        CheckedCase(case.title, case.points, grade_case(case, submission))
        for case in registry.cases_for(function=exercise)
    ]
    outcome = CheckResult(exercise, cases)
    file = registry.file_of(exercise)
    report_check(file, exercise, outcome.score, outcome.max_score, outcome.mistake)
    return outcome


def yours_or_reference(name: str, exercises: Path | None = None) -> Callable:
    """Your ``name`` function when it passes every check, the course's reference otherwise.

    Lessons call it where they use a function you wrote (your ``best_epoch``, your
    ``accuracy``): it runs :func:`check` on your ``exercises/`` file as saved now, prints
    which one the lesson will use and why, and returns it. Without an ``exercises/``
    folder it uses the reference.

    Example::

        accuracy = yours_or_reference("accuracy")
        # using your accuracy from exercises/ex03_accuracy.py: it passes all 4 checks
    """
    _check_exercise(name)
    reference = registry.reference(name)
    try:
        yours = load_exercise(name, exercises)
        result = check(yours, name)
    except (FileNotFoundError, AttributeError, SyntaxError, ImportError) as error:
        print(f"using the course's {name}: yours could not be loaded ({error})")
        return reference
    file = f"exercises/{registry.file_of(name)}.py"
    if result.passed:
        print(f"using your {name} from {file}: it passes all {len(result.cases)} checks")
        return yours
    if result.not_written:
        why = "yours is not written yet"
    else:
        why = f"yours scores {result.score}/{result.max_score}; check({name!r}) says why"
    print(f"using the course's {name} ({why}); {file} is your copy")
    return reference


def _check_exercise(exercise: str) -> None:
    registry.graded(exercise)  # ValueError naming the exercises when it is none


def _pins(extras: tuple[str, ...]) -> list[tuple[str, str]]:
    """(package, pinned version) for lesson_pkg's requirements and the given extras."""
    from packaging.requirements import Requirement

    pins = []
    for text in importlib.metadata.requires("lesson-pkg") or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
            pins.append((requirement.name, str(requirement.specifier).removeprefix("==")))
    return pins


def environment_report(extras: tuple[str, ...] = ("course",)) -> str:
    """One OK/FAIL row per required package: paste it into a bug report.

    Compares each installed version with the course's pin, then names the Python
    version and the device ``fit`` will use.
    """
    import platform

    import torch

    rows = [f"{'package':<14} {'required':<10} {'installed':<12} status"]
    failures = 0
    for name, required in _pins(extras):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        ok = installed.split("+")[0] == required
        failures += not ok
        rows.append(f"{name:<14} {required:<10} {installed:<12} {'OK' if ok else 'FAIL'}")
    device = "cuda (" + torch.cuda.get_device_name(0) + ")" if torch.cuda.is_available() else "cpu"
    rows += [
        f"python {platform.python_version()}, training device: {device}",
        "all packages OK" if failures == 0 else _reinstall_advice(failures),
    ]
    return "\n".join(rows)


def _reinstall_advice(failures: int) -> str:
    """What to do when packages are missing or at the wrong version.

    Not ``make lab``: it skips an install it has already done, so it would not fix them.
    """
    return (
        f"{failures} package(s) FAIL: in a terminal in the course folder run "
        '.venv/bin/pip install -e ".[course]", then restart the kernel and run this again'
    )
