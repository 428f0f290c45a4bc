"""Execute the course notebooks in place, so their stored outputs are current.

``python tools/run_notebooks.py [NOTEBOOK ...]`` (``make notebooks``) runs each notebook
in a fresh kernel, from the top, with ``LESSON_PKG_PLAIN_OUTPUT=1`` so that progress is
stored as plain lines (the same the test suite's nbval run compares against), and saves
it. ``execute`` is also what the notebook benchmark times.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PEAK_MEMORY_CELL = (  # VmHWM: this process's own peak (ru_maxrss would include the parent's)
    "with open('/proc/self/status') as _status:\n"
    "    print(next(int(line.split()[1]) * 1024 for line in _status if line.startswith('VmHWM')))"
)


def execute(path: Path, save: bool = True, measure_memory: bool = False) -> tuple[float, int]:
    """Run ``path`` top to bottom in a new kernel; return (seconds, kernel peak bytes).

    The peak memory is read by one extra cell, run last and never saved.
    """
    os.environ["LESSON_PKG_PLAIN_OUTPUT"] = "1"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps of an older run
    if measure_memory:
        notebook.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        record_timing=False,  # no timestamps: re-running an unchanged notebook changes nothing
        shutdown_kernel="immediate",  # its outputs are in; waiting for a graceful exit costs ~1 s
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    peak = 0
    if measure_memory:
        peak = int(notebook.cells.pop().outputs[0]["text"])
    if save:
        CoalesceStreamsPreprocessor().preprocess(notebook, {})  # one text block, however flushed
        nbformat.write(notebook, path)
    return seconds, peak


def main() -> None:
    paths = [Path(arg) for arg in sys.argv[1:]] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        seconds, _ = execute(path)
        print(f"{path.name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main()
