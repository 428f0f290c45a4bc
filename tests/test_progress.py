"""Progress and live curves inside a real Jupyter kernel, and plain lines outside one."""

import nbformat
from nbclient import NotebookClient

from lesson_pkg import progress

TRAINING_CELL = """
import os
os.environ.pop("LESSON_PKG_PLAIN_OUTPUT", None)
import torch
from lesson_pkg import data, training
features, labels = data.make_blobs(60, seed=0)
loader = data.make_loader(features, labels, 16)
torch.manual_seed(0)
model = torch.nn.Linear(2, 3)
history = training.fit(model, loader, torch.nn.functional.cross_entropy,
                       torch.optim.SGD(model.parameters(), lr=0.1), 3, loader,
                       live_plot=True)
"""


def test_a_notebook_shows_an_updated_bar_and_a_live_plot_not_printed_lines():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRAINING_CELL)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    displays = [output for output in outputs if output.output_type == "display_data"]
    html = [output.data["text/html"] for output in displays if "text/html" in output.data]
    images = [output for output in displays if "image/png" in output.data]
    assert len(html) == 1 and "epoch 3/3" in html[0] and "<progress" in html[0]
    assert len(images) == 1  # one live plot, updated in place each epoch
    assert not [output for output in outputs if output.output_type == "stream"]


def test_outside_a_kernel_there_is_no_notebook(monkeypatch):
    monkeypatch.delenv(progress.PLAIN_OUTPUT_VARIABLE, raising=False)
    assert not progress.in_notebook()
    assert type(progress.make_reporter(2, 5, progress=True, live_plot=True)) is progress.Reporter
