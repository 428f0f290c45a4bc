"""The mutation score of the graders, from the results of ``mutmut run`` (``make mutation``).

Killed (or timed out) mutants count for the graders; mutants listed in
``tests/mutation/equivalent.txt`` behave as the solution and are left out. Prints each
surviving mutant's diff, then the score; exits 1 below the course's 95% budget, when a
mutant was not run, or when the list names a mutant that no longer matches or survives.
"""

import subprocess
import sys
from pathlib import Path

TARGET = 95.0
EQUIVALENT_FILE = Path("tests/mutation/equivalent.txt")
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
KILLED = {"killed", "timeout", "segfault"}


def mutmut(*args: str) -> str:
    return subprocess.run([MUTMUT, *args], check=True, capture_output=True, text=True).stdout


def statuses() -> dict[str, str]:
    """Each mutant's status: "killed", "survived", "timeout", "no tests"..."""
    pairs = (
        line.strip().rsplit(": ", 1) for line in mutmut("results", "--all", "true").splitlines()
    )
    return {name: status for name, status in pairs}


def equivalents() -> dict[str, tuple[str, str]]:
    """The listed equivalent mutants: id -> (mutated line, reason)."""
    listed = {}
    for line in EQUIVALENT_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, mutated, reason = (part.strip() for part in line.split(" | ", 2))
            listed[name] = (mutated, reason)
    return listed


def problems_with_list(listed: dict[str, tuple[str, str]], status: dict[str, str]) -> list[str]:
    """Entries of the list that no longer name a surviving mutant with that mutated line."""
    problems = []
    for name, (mutated, _) in listed.items():
        if status.get(name) != "survived":
            problems.append(f"{name} is listed as equivalent but is {status.get(name, 'unknown')}")
            continue
        added = [line[1:].strip() for line in mutmut("show", name).splitlines() if line[:2] == "+ "]
        if mutated not in added:
            problems.append(f"{name} no longer changes the line to: {mutated}")
    return problems


def main() -> int:
    status = statuses()
    listed = equivalents()
    problems = problems_with_list(listed, status)
    unchecked = [name for name, state in status.items() if state not in KILLED | {"survived"}]
    problems += [f"{name} was not run to the end: {status[name]}" for name in unchecked]
    survivors = [n for n, state in status.items() if state == "survived" and n not in listed]
    for name in survivors:
        print(mutmut("show", name))
    counted = len(status) - len(listed)
    killed = sum(state in KILLED for state in status.values())
    timeouts = sum(state == "timeout" for state in status.values())
    score = 100.0 * killed / counted if counted else 0.0
    for problem in problems:
        print(f"problem: {problem}")
    by_timeout = f", {timeouts} of them by timeout" if timeouts else ""
    print(
        f"mutation score: {score:.1f}% ({killed} of {counted} non-equivalent mutants killed"
        f"{by_timeout}; {len(survivors)} surviving; {len(listed)} equivalent listed in "
        f"{EQUIVALENT_FILE})"
    )
    return 0 if score >= TARGET and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
