"""Run every benchmark and print one table per topic: ``python -m benchmarks``.

Timings depend on the machine; the ratios against the peer measured in the same run
are what the budgets in COURSE.md are about.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch

from benchmarks import (
    bench_batch,
    bench_first_install,
    bench_fit,
    bench_grading,
    bench_hub,
    bench_import,
    bench_losses,
    bench_notebooks,
    bench_room,
    bench_similarity,
    profile_losses,
)
from benchmarks.report import format_table


def _losses(device: torch.device) -> None:
    devices = [torch.device("cpu")] + ([device] if device.type == "cuda" else [])
    for pass_name in bench_losses.STATEMENTS:
        rows = [row for each in devices for row in bench_losses.run(each, pass_name)]
        print(format_table(f"Reference losses vs torch.nn.functional, {pass_name}", rows))
        print()
    for each in devices:
        print(profile_losses.run(each))
        print()


def _table(title: str, run: Callable[[], list]) -> Callable[[torch.device], None]:
    def show(device: torch.device) -> None:
        print(format_table(title, run()))
        print()

    return show


def _room(device: torch.device) -> None:
    rows, notes = bench_room.run()
    title = (
        f"The live room: {bench_room.LEARNERS} simulated learners x "
        f"{bench_room.RESULTS_EACH} results over {bench_room.SECONDS:g} s, loopback "
        "(the peer column is the budget)"
    )
    print(format_table(title, rows))
    print("\n".join(notes))


BENCHMARKS: dict[str, Callable[[torch.device], None]] = {
    "losses": _losses,
    "fit": _table(
        f"fit vs a hand-written loop ({bench_fit.EPOCHS} epochs, {bench_fit.SAMPLES} samples)",
        bench_fit.run,
    ),
    "grading": _table(
        "Grading one submission, end to end (the peer column is the budget)", bench_grading.run
    ),
    "batch": _table("Grading a whole class (the peer column is the budget)", bench_batch.run),
    "similarity": _table(
        "The similarity report (the peer column is the budget)", bench_similarity.run
    ),
    "notebooks": _table(
        "The course executed headless (the peer column is the budget)", bench_notebooks.run
    ),
    "import": _table("Import time vs import torch (fresh interpreter)", bench_import.run),
    "room": _room,
    "install": _table(
        "A learner's first install: fresh clone, make lab (the peer column is the budget)",
        bench_first_install.run,
    ),
    "hub": _table(
        "Memory per learner on a hub (the instructor guide's sizing table)", bench_hub.run
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=list(BENCHMARKS), help="run one benchmark instead of all")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, device {device}\n")
    for name, show in BENCHMARKS.items():
        if args.only in (None, name):
            show(device)


if __name__ == "__main__":
    main()
