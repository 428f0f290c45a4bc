"""Progress of a training run: a bar and live curves in a notebook, plain lines elsewhere.

In a notebook (JupyterLab, classic Notebook, VS Code: any Jupyter kernel) the bar and
the plot are updated in place through display handles, so they need no front-end
extension. In a terminal, or when ``LESSON_PKG_PLAIN_OUTPUT`` is set (as the test suite
and ``make notebooks`` do, so that stored outputs are the same on every run), each
epoch prints one line.
"""

from __future__ import annotations

import io
import os
import time

from lesson_pkg.history import BOOKKEEPING, History

PLAIN_OUTPUT_VARIABLE = "LESSON_PKG_PLAIN_OUTPUT"
BAR_REFRESH_SECONDS = 0.2
PLOT_COST_SHARE = 0.2  # the live plot may take at most this share of a run's time


def in_notebook() -> bool:
    """Whether code runs in a Jupyter kernel that can show rich, updatable output."""
    if os.environ.get(PLAIN_OUTPUT_VARIABLE):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _format_row(row: dict[str, float], epochs: int) -> str:
    """``epoch 3/10  train_loss 0.4123  val_loss 0.5012  val_accuracy 0.8700``."""
    values = "  ".join(
        f"{name} {value:.4f}" for name, value in row.items() if name not in BOOKKEEPING
    )
    return f"epoch {row['epoch']}/{epochs}  {values}"


class Reporter:
    """Plain-text progress: one line per epoch, and why training stopped early."""

    def __init__(self, epochs: int, steps: int, progress: bool) -> None:
        self.epochs, self.steps, self.progress = epochs, steps, progress

    def step(self, epoch: int, step: int, loss: float) -> None:
        """Called after every optimizer step."""

    def end_epoch(self, history: History) -> None:
        """Called after every epoch, with the history so far."""
        if self.progress:
            print(_format_row(history.rows[-1], self.epochs))

    def close(self, history: History) -> None:
        """Called once at the end; says why training stopped early, if it did."""
        if history.stop_reason:
            print(history.stop_reason)


class NotebookReporter(Reporter):
    """A progress bar and (optionally) live curves, redrawn in place in a notebook."""

    def __init__(self, epochs: int, steps: int, progress: bool, live_plot: bool) -> None:
        from IPython.display import HTML, display

        super().__init__(epochs, steps, progress)
        self._html = HTML
        self._last_refresh = 0.0
        self._bar = display(HTML(""), display_id=True) if progress else None
        self._plot = display(HTML(""), display_id=True) if live_plot else None
        self._summary = ""
        self._next_plot, self._plotted_epochs = 0.0, 0

    def step(self, epoch: int, step: int, loss: float) -> None:
        """Refresh the bar after a training step (at most a few times a second)."""
        now = time.monotonic()
        if self._bar is None or now - self._last_refresh < BAR_REFRESH_SECONDS:
            return
        self._last_refresh = now
        done = (epoch - 1) * self.steps + step + 1
        total = self.epochs * self.steps
        self._bar.update(
            self._html(
                f'<div style="font-family: monospace"><progress value="{done}" max="{total}" '
                f'style="width: 260px"></progress> epoch {epoch}/{self.epochs}, '
                f"step {step + 1}/{self.steps}, loss {loss:.4f}<br>{self._summary}</div>"
            )
        )

    def end_epoch(self, history: History) -> None:
        """Show the epoch's row, and redraw the curves when their budget allows."""
        self._summary = _format_row(history.rows[-1], self.epochs)
        if self._bar is not None:
            self._last_refresh = 0.0
            epoch = history.rows[-1]["epoch"]
            self._bar.update(
                self._html(
                    f'<div style="font-family: monospace"><progress value="{epoch}" '
                    f'max="{self.epochs}" style="width: 260px"></progress> {self._summary}</div>'
                )
            )
        if self._plot is not None and time.monotonic() >= self._next_plot:
            self._draw_plot(history)

    def close(self, history: History) -> None:
        """Draw the last epochs if their redraw was skipped, then finish the bar."""
        if self._plot is not None and self._plotted_epochs < len(history.rows):
            self._draw_plot(history)  # the last epochs, if their redraw was skipped
        super().close(history)

    def _draw_plot(self, history: History) -> None:
        """Redraw the curves, then wait long enough that drawing stays a small cost.

        Drawing takes about 0.1-0.5 s; after a draw of ``d`` seconds the next one waits
        ``d * (1 - share) / share``, so on short epochs the plot skips a few of them.
        """
        started = time.monotonic()
        assert self._plot is not None
        self._plot.update(_curves_as_image(history))
        finished = time.monotonic()
        self._next_plot = finished + (finished - started) * (1 - PLOT_COST_SHARE) / PLOT_COST_SHARE
        self._plotted_epochs = len(history.rows)


def _curves_as_image(history: History):
    """The loss and accuracy curves drawn off-screen, as an IPython PNG image with alt text."""
    from IPython.display import Image
    from matplotlib.figure import Figure

    from lesson_pkg import plots

    figure = Figure(figsize=(7.5, 4))
    figure.subplots_adjust(left=0.09, right=0.72, bottom=0.12, top=0.97, hspace=0.08)
    plots.plot_loss_and_accuracy(history, axes=figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return Image(data=buffer.getvalue(), format="png", alt=plots.alt_text(figure))


def make_reporter(epochs: int, steps: int, progress: bool, live_plot: bool) -> Reporter:
    """The notebook reporter inside a Jupyter kernel, the plain one everywhere else."""
    if (progress or live_plot) and in_notebook():
        return NotebookReporter(epochs, steps, progress, live_plot)
    return Reporter(epochs, steps, progress)
