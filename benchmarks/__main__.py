"""Run every benchmark and print one table per topic: ``python -m benchmarks``.

Timings depend on the machine; the ratios against the peer measured in the same run
are what the budgets in COURSE.md are about.
"""

from __future__ import annotations

import argparse

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
    profile_losses,
)
from benchmarks.report import format_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        choices=["losses", "fit", "grading", "batch", "notebooks", "import", "install", "hub"],
        help="run one benchmark instead of all",
    )
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, device {device}\n")
    if args.only in (None, "losses"):
        devices = [torch.device("cpu")] + ([device] if device.type == "cuda" else [])
        for pass_name in bench_losses.STATEMENTS:
            rows = [row for each in devices for row in bench_losses.run(each, pass_name)]
            print(format_table(f"Reference losses vs torch.nn.functional, {pass_name}", rows))
            print()
        for each in devices:
            print(profile_losses.run(each))
            print()
    if args.only in (None, "fit"):
        title = (
            f"fit vs a hand-written loop ({bench_fit.EPOCHS} epochs, {bench_fit.SAMPLES} samples)"
        )
        print(format_table(title, bench_fit.run()))
        print()
    if args.only in (None, "grading"):
        title = "Grading one submission, end to end (the peer column is the budget)"
        print(format_table(title, bench_grading.run()))
        print()
    if args.only in (None, "batch"):
        title = "Grading a whole class (the peer column is the budget)"
        print(format_table(title, bench_batch.run()))
        print()
    if args.only in (None, "notebooks"):
        title = "The course executed headless (the peer column is the budget)"
        print(format_table(title, bench_notebooks.run()))
        print()
    if args.only in (None, "import"):
        print(format_table("Import time vs import torch (fresh interpreter)", bench_import.run()))
    _learners(args.only)


def _learners(only: str | None) -> None:
    """The learner's first install, and the memory one learner takes on a hub."""
    if only in (None, "install"):
        title = "A learner's first install: fresh clone, make lab (the peer column is the budget)"
        print(format_table(title, bench_first_install.run()))
    if only in (None, "hub"):
        title = "Memory per learner on a hub (the instructor guide's sizing table)"
        print(format_table(title, bench_hub.run()))


if __name__ == "__main__":
    main()
