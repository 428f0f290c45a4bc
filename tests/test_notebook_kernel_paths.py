"""The stored notebooks print the same on other CPUs: re-run under other kernel paths of torch.

nbval (``make test``) re-runs each notebook on this machine's fastest CPU kernels. A
learner's older or different CPU takes another path through torch's CPU code, whose
results differ in the last bits; a chaotic run (a learning rate past the stability limit)
magnifies those bits into different printed values. Each notebook is re-run here under
``ATEN_CPU_CAPABILITY=default`` (no vector instructions) and ``MKL_CBWR=COMPATIBLE``
(MKL's conditional numerical reproducibility, the path of an older CPU), and everything
a reader gets as text, printed values and every figure's alt text, must equal the stored
outputs. Notebooks print only what is stable ("diverged", or an order of magnitude).
"""

from __future__ import annotations

import difflib

import nbformat
import pytest

from tools.run_notebooks import NOTEBOOKS, execute, printed_outputs

PATHS = {
    "aten-default": ("ATEN_CPU_CAPABILITY", "default"),
    "mkl-compatible": ("MKL_CBWR", "COMPATIBLE"),
}
STORED = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("kernel_path", sorted(PATHS))
@pytest.mark.parametrize("path", STORED, ids=[path.stem for path in STORED])
def test_outputs_are_the_same_under_another_cpu_kernel_path(path, kernel_path, monkeypatch):
    variable, value = PATHS[kernel_path]
    monkeypatch.setenv(variable, value)  # the kernel, a new process, inherits it
    stored = printed_outputs(nbformat.read(path, as_version=4))
    notebook = nbformat.read(path, as_version=4)
    execute(path, save=False, notebook=notebook)
    rerun = printed_outputs(notebook)
    differing = {
        key: "\n".join(
            difflib.unified_diff(
                stored[key].splitlines(), rerun.get(key, "").splitlines(), lineterm="", n=0
            )
        )
        for key in stored
        if stored[key] != rerun.get(key)
    }
    assert not differing, f"{path.name} under {variable}={value}: " + "\n".join(
        f"{key}:\n{diff}" for key, diff in differing.items()
    )
