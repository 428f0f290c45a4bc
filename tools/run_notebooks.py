"""Execute the course notebooks in place, so their stored outputs are current.

``python tools/run_notebooks.py [NOTEBOOK ...]`` (``make notebooks``) runs each notebook
in a fresh kernel, from the top, with ``LESSON_PKG_PLAIN_OUTPUT=1`` so that progress is
stored as plain lines (the same the test suite's nbval run compares against), and saves
it. ``execute`` is also what the notebook benchmark times, and ``printed_outputs`` what the
test of other CPU kernel paths compares (tests/test_notebook_kernel_paths.py).
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


def execute(
    path: Path,
    save: bool = True,
    measure_memory: bool = False,
    notebook: nbformat.NotebookNode | None = None,
) -> tuple[float, int]:
    """Run ``path`` top to bottom in a new kernel; return (seconds, kernel peak bytes).

    The peak memory is read by one extra cell, run last and never saved. Pass
    ``notebook`` (read from ``path``) to keep the executed cells in it.
    """
    os.environ["LESSON_PKG_PLAIN_OUTPUT"] = "1"
    notebook = notebook or nbformat.read(path, as_version=4)
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


def printed_outputs(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """What a reader gets as text from each code cell: what it printed, and its figures' alt text.

    Keys are ``"cell 7: printed"`` and ``"cell 7: alt text"`` (0-based cell indices); the
    PNG bytes themselves are left out (anti-aliasing may differ by machine).
    """
    texts = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        printed, alts = [], []
        for output in cell.outputs:
            data = output.get("data", {})
            printed.append(output.get("text", "") or data.get("text/markdown", ""))
            if "image/png" in data:
                alts.append(output.get("metadata", {}).get("image/png", {}).get("alt", ""))
            elif "text/plain" in data and "text/markdown" not in data:
                printed.append(data["text/plain"])
        texts[f"cell {index}: printed"] = "".join(printed)
        texts[f"cell {index}: alt text"] = "\n".join(alts)
    return texts


def main() -> None:
    paths = [Path(arg) for arg in sys.argv[1:]] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        seconds, _ = execute(path)
        print(f"{path.name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main()
