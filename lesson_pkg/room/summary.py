"""What the instructor sees, as data: per function, who tried, who passes, which mistake.

The same dictionary is ``GET /api/summary``'s JSON and what the dashboard draws.
"Now" means each learner's latest result for a function: a learner who passed and then
broke the function counts as failing again, with the mistake their latest check named.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lesson_pkg.room.catalogue import Known
from lesson_pkg.room.store import Result, Store


def summarize(
    store: Store, catalogue: dict[str, Known], now: float, idle_minutes: float
) -> dict[str, Any]:
    """The room at time ``now`` (seconds since the epoch).

    Returns ``learners`` and ``results`` (counts), ``functions`` (per function in the
    exercises' order: ``tried``, ``passed`` and the most common named ``mistake`` among
    the failing latest results, or None), ``idle`` (learners whose last first pass of a
    function, or their first result, is ``idle_minutes`` or more ago, and who have not
    passed everything) and ``timeline`` (``[time, passes so far]`` at each first pass).
    """
    latest = store.latest()
    passes = store.first_passes()
    return {
        "generated": now,
        "learners": len(store.learners()),
        "results": store.count(),
        "idle_minutes": idle_minutes,
        "functions": [_function_row(known, latest) for known in catalogue.values()],
        "idle": _idle(store, latest, passes, now, idle_minutes, len(catalogue)),
        "timeline": [[received, count] for count, (received, _, _) in enumerate(passes, 1)],
    }


def _function_row(known: Known, latest: list[Result]) -> dict[str, Any]:
    rows = [result for result in latest if result.function == known.function]
    mistakes = Counter(result.mistake for result in rows if not result.passed and result.mistake)
    mistake = None
    if mistakes:
        (identifier, count), *_ = mistakes.most_common(1)
        mistake = {"id": identifier, "hint": known.hints.get(identifier, ""), "count": count}
    return {
        "function": known.function,
        "exercise": known.exercise,
        "tried": len(rows),
        "passed": sum(result.passed for result in rows),
        "mistake": mistake,
    }


def _idle(
    store: Store,
    latest: list[Result],
    passes: list[tuple[float, str, str]],
    now: float,
    idle_minutes: float,
    functions: int,
) -> list[dict[str, Any]]:
    progress = {kernel: received for received, kernel, _ in passes}
    passing = Counter(result.kernel for result in latest if result.passed)
    working_on = {result.kernel: result.function for result in latest}  # latest id last
    idle = []
    for kernel, name, first, _ in store.learners():
        minutes = (now - progress.get(kernel, first)) / 60
        if minutes >= idle_minutes and passing[kernel] < functions:
            idle.append(
                {
                    "kernel": kernel,
                    "name": name,
                    "minutes": round(minutes, 1),
                    "function": working_on[kernel],
                }
            )
    return sorted(idle, key=lambda learner: -learner["minutes"])
