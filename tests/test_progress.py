"""Progress and live curves inside a real Jupyter kernel, and plain lines outside one."""

import IPython.display
import nbformat
from nbclient import NotebookClient

from lesson_pkg import progress
from lesson_pkg.history import History

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
    alt = images[0].metadata["image/png"]["alt"]  # where nbconvert reads an <img> alt
    assert alt.startswith("Line chart of loss per epoch: training loss falls from ")
    assert "over 3 epochs" in alt and "Below it, line chart of accuracy per epoch" in alt
    assert not [output for output in outputs if output.output_type == "stream"]


def test_outside_a_kernel_there_is_no_notebook(monkeypatch):
    monkeypatch.delenv(progress.PLAIN_OUTPUT_VARIABLE, raising=False)
    assert not progress.in_notebook()
    assert type(progress.make_reporter(2, 5, progress=True, live_plot=True)) is progress.Reporter


class _Handle:
    """A stand-in for the display handle a kernel returns; it shows nothing."""

    def update(self, _) -> None:
        pass


class _Clock:
    """A stand-in for time.monotonic that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _run_reporter(monkeypatch, seconds_per_epoch: float) -> list[int]:
    """Five epochs through a NotebookReporter; returns how many epochs each redraw showed."""
    clock, drawn = _Clock(), []

    def draw(history):
        drawn.append(len(history.rows))
        clock.now += 1.0  # each drawing takes one second
        return "the curves"

    monkeypatch.setattr(progress.time, "monotonic", clock)
    monkeypatch.setattr(progress, "_curves_as_image", draw)
    monkeypatch.setattr(IPython.display, "display", lambda *_, **__: _Handle())
    reporter = progress.NotebookReporter(epochs=5, steps=1, progress=False, live_plot=True)
    history = History()
    for epoch in range(1, 6):
        clock.now += seconds_per_epoch
        history.rows.append({"epoch": epoch, "train_loss": 1.0 / epoch})
        reporter.end_epoch(history)
    reporter.close(history)
    return drawn


def test_the_live_plot_redraws_every_epoch_when_epochs_are_long(monkeypatch):
    assert _run_reporter(monkeypatch, seconds_per_epoch=10.0) == [1, 2, 3, 4, 5]


def test_the_live_plot_skips_redraws_that_would_slow_short_epochs_but_shows_the_end(
    monkeypatch,
):
    # a 1 s drawing waits 4 s before the next; epochs of 1 s: draws after epochs 1 and 5
    assert _run_reporter(monkeypatch, seconds_per_epoch=1.0) == [1, 5]
