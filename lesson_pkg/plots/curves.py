"""Curves of a training run: loss (and a metric) per epoch, runs side by side.

Each function reads a :class:`~lesson_pkg.history.History` (its rows, its metric
columns, and why it ended: ``diverged_at``, ``stopped_early``, ``restored_epoch``), never
the sentence ``stop_reason`` written for a person.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lesson_pkg.plots.descriptions import _column_name, _number, _trend, describe
from lesson_pkg.plots.style import (
    BEST_STYLE,
    LINESTYLES,
    MARKERS,
    PALETTE,
    TRAIN_STYLE,
    VAL_STYLE,
    _axes,
    _centred_epoch_axis,
    _epoch_axis,
    _legend_outside,
    _nth_style,
    _series_style,
)

if TYPE_CHECKING:
    from lesson_pkg.history import History

__all__ = ["plot_learning_rate_regimes", "plot_loss_and_accuracy", "plot_loss_curves", "plot_runs"]


def _metric_column(history: History) -> str | None:
    """The first metric column (validation first), such as ``val_accuracy``."""
    metrics = history.metric_columns
    validation_first = sorted(metrics, key=lambda name: not name.startswith("val_"))
    return validation_first[0] if validation_first else None


def _check_history(history: History) -> None:
    if not history.rows:
        raise ValueError("the history is empty: train for at least one epoch before plotting")


def _marked_epoch(history: History) -> tuple[int, str] | None:
    """The epoch to mark and its label: "best epoch 16 (val loss 0.29)", or ``None``.

    The epoch early stopping restored, if it did; otherwise the lowest validation loss.
    """
    loss = "val_loss" if "val_loss" in history.columns else "train_loss"
    if history.restored_epoch is not None:
        epoch, kind = history.restored_epoch, "restored epoch"
    elif loss == "val_loss":
        epoch, kind = history.best_epoch("val_loss"), "best epoch"
    else:
        return None
    value = history.column(loss)[history.column("epoch").index(epoch)]
    return epoch, f"{kind} {epoch} ({loss.replace('_', ' ')} {_number(value)})"


def _mark_epoch(axes: Sequence[Axes], epoch: int, label: str) -> list:
    """A dotted vertical line at ``epoch`` on every panel; returns the legend handle.

    The legend shows ``label`` on two lines, "best epoch 16" above "(val loss 0.29)".
    """
    label = label.replace(" (", "\n(")
    handles = [ax.axvline(epoch, **BEST_STYLE, label=label) for ax in axes]
    return handles[:1]


def _stop_text(history: History) -> str:
    """The sentence "Training stopped early, after epoch 20." when it did, else ""."""
    if not history.ended_early:
        return ""
    return f" Training stopped early, after epoch {history.rows[-1]['epoch']}."


def _split_losses(history: History, lower_is_better: bool, column: str, noun: str) -> str:
    """How the training and validation series of one quantity move, in words."""
    epochs = history.column("epoch")
    parts = []
    for split, name in (("train", "training"), ("val", "validation")):
        if f"{split}_{column}" in history.columns:
            values = history.column(f"{split}_{column}")
            parts.append(f"{name} {noun} {_trend(values, epochs, lower_is_better)}")
    return "; ".join(parts)


def _plot_epoch_series(
    ax: Axes, history: History, column: str, splits: Sequence[str] = ("train", "val")
) -> list:
    """The training and validation values of ``column`` at each epoch's end; the lines."""
    epochs = history.column("epoch")
    styles = {"train": (TRAIN_STYLE, "training"), "val": (VAL_STYLE, "validation")}
    lines = []
    for split in splits:
        if f"{split}_{column}" in history.columns:
            style, label = styles[split]
            lines += ax.plot(
                epochs,
                history.column(f"{split}_{column}"),
                **_series_style(style, epochs),
                label=label,
            )
    return lines


def _plot_steps_and_epoch_means(ax: Axes, history: History, epochs: list) -> tuple[list, str]:
    """Draw each step's training loss, each epoch's mean and the validation loss.

    The steps are faint; each epoch's mean is a flat segment across its epoch. Returns
    the handles drawn and the sentence that describes them.
    """
    handles: list = []
    steps = np.arange(1, len(history.step_losses) + 1) / history.steps_per_epoch
    handles += ax.plot(
        steps,
        history.step_losses,
        color=PALETTE[0],
        alpha=0.35,
        lw=1,
        label="training loss per step",
    )
    # epoch k's segment runs from k - 1 to k; a NaN after each one keeps them apart
    spans = np.repeat(np.asarray(epochs, dtype=float), 3) + np.tile(
        [-1.0, 0.0, np.nan], len(epochs)
    )
    means = np.repeat(np.asarray(history.column("train_loss"), dtype=float), 3)
    means[2::3] = np.nan
    handles += ax.plot(
        spans,
        means,
        color=PALETTE[0],
        lw=2,
        label="training loss, mean of each epoch",
    )
    handles += _plot_epoch_series(ax, history, "loss", splits=("val",))
    step_text = (
        f" The training loss of each of the {len(history.step_losses)} steps "
        f"({history.steps_per_epoch} per epoch) is drawn faintly, between "
        f"{_number(min(history.step_losses))} and {_number(max(history.step_losses))}; "
        f"each epoch's mean is a flat segment across its epoch."
    )
    return handles, step_text


def plot_loss_curves(
    history: History, ax: Axes | None = None, per_step: bool = True, mark_best: bool = True
) -> Axes:
    """Training loss per step and per epoch, and validation loss per epoch, on one chart.

    The x axis counts epochs: epoch ``k`` spans ``(k - 1, k]``, and step ``i`` of an epoch
    of ``S`` steps sits at ``i / S`` past the epoch's start. With ``per_step``, each
    epoch's mean training loss is a flat segment spanning its epoch, so it sits on the
    steps it averages, and the number ``k`` is written under the middle of that span;
    faint vertical lines (the only ones: no grid) mark the boundaries. Without it, the
    mean is a point at the epoch's end, above its number. Validation happens after each
    epoch, so its points sit at the epoch's end (with ``per_step``, on the boundary after
    its number). With ``mark_best``, a dotted line marks the best epoch (the one early
    stopping restored, if it did).
    """
    _check_history(history)
    ax = _axes(ax)
    epochs = history.column("epoch")
    steps_shown = per_step and history.step_losses and history.steps_per_epoch
    handles: list = []
    step_text = ""
    if steps_shown:
        handles, step_text = _plot_steps_and_epoch_means(ax, history, epochs)
    else:
        handles += _plot_epoch_series(ax, history, "loss")
    marked = _marked_epoch(history) if mark_best else None
    mark_text = ""
    if marked is not None:
        handles += _mark_epoch([ax], *marked)
        mark_text = f" A dotted line marks the {marked[1]}."
    mark_text += _stop_text(history)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if steps_shown:
        _centred_epoch_axis(ax, int(epochs[-1]))
        ax.grid(False, which="both")  # no grid: the only vertical lines are the boundaries
        ax.vlines(  # where one epoch ends and the next begins
            range(int(epochs[-1]) + 1), 0, 1, transform=ax.get_xaxis_transform(),
            colors="0.75", lw=0.8, zorder=0,
        )  # fmt: skip
    else:
        _epoch_axis(ax)
    _legend_outside(ax, handles)
    describe(
        ax,
        f"Line chart of loss per epoch: {_split_losses(history, True, 'loss', 'loss')}."
        f"{step_text}{mark_text}",
    )
    return ax


def plot_loss_and_accuracy(
    history: History,
    axes: Sequence[Axes] | Figure | None = None,
    mark_best: bool = True,
    log_loss: bool = False,
) -> list[Axes]:
    """Loss per epoch above the first metric (usually accuracy), sharing the epoch axis.

    Two stacked panels, so the two scales never cross; in both, training is a solid blue
    line with circles and validation a dashed vermillion line with squares. With
    ``mark_best``, a dotted line through both panels marks the best epoch (lowest
    validation loss, or the epoch early stopping restored). ``axes``: the axes to draw
    on (two; one is enough when the history has no metric), or a figure to draw the
    panels in; by default a new figure. ``log_loss`` puts the loss panel on a log scale,
    so that a first epoch far above the rest does not flatten the later epochs and the
    gap between training and validation reads as a ratio. Returns the axes drawn on.
    """
    _check_history(history)
    metric = _metric_column(history)
    panels = 1 if metric is None else 2
    if axes is None:
        axes = plt.figure(figsize=(7.5, 3 + 1.8 * (panels - 1)), layout="constrained")
    if isinstance(axes, Figure):
        grid = axes.subplots(panels, 1, sharex=True, squeeze=False, height_ratios=(3, 2)[:panels])
        panel_list = list(grid[:, 0])
    else:
        panel_list = list(axes)
    if len(panel_list) < panels or not all(isinstance(ax, Axes) for ax in panel_list):
        raise ValueError(f"axes must hold {panels} matplotlib Axes, got {axes!r}")
    loss_ax, drawn = panel_list[0], panel_list[:panels]
    handles = _plot_epoch_series(loss_ax, history, "loss")
    loss_ax.set_ylabel("loss (log scale)" if log_loss else "loss")
    if log_loss:
        loss_ax.set_yscale("log")
    scale = " on a log scale" if log_loss else ""
    loss_text = (
        f"Line chart of loss per epoch{scale}: {_split_losses(history, True, 'loss', 'loss')}."
    )
    if metric is not None:
        name = metric.removeprefix("val_").removeprefix("train_")
        _plot_epoch_series(panel_list[1], history, name)
        panel_list[1].set_ylabel(name)
        describe(
            panel_list[1],
            f"Below it, line chart of {name} per epoch: "
            f"{_split_losses(history, False, name, name)}.",
        )
    marked = _marked_epoch(history) if mark_best else None
    if marked is not None:
        handles += _mark_epoch(drawn, *marked)
        loss_text += f" A dotted line marks the {marked[1]}."
    describe(loss_ax, loss_text + _stop_text(history))
    for ax in drawn:
        ax.grid(alpha=0.3)
    _epoch_axis(drawn[-1])
    _legend_outside(loss_ax, handles)
    return drawn


def plot_runs(
    histories: Mapping[str, History],
    column: str = "train_loss",
    ax: Axes | None = None,
    log_scale: bool = False,
) -> Axes:
    """One curve of ``column`` per run, for comparing runs (learning rates, optimizers).

    ``histories`` maps a label (such as ``"lr=0.1"``) to a run's history. Each run has its
    own colour, line style and marker. A run that stopped early (it diverged, or early
    stopping ended it) ends where it stopped.
    """
    if not histories:
        raise ValueError("histories is empty: give at least one {label: History}")
    ax = _axes(ax)
    parts = []
    for index, (label, history) in enumerate(histories.items()):
        _check_history(history)
        epochs, values = history.column("epoch"), history.column(column)
        style = {
            "color": PALETTE[index % len(PALETTE)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)],
            "marker": MARKERS[index % len(MARKERS)],
        }
        ax.plot(epochs, values, **_series_style(style, epochs), label=label)
        stopped = f", then stops (after epoch {epochs[-1]})" if history.ended_early else ""
        parts.append(f"{label}: {_trend(values, epochs, column.endswith('loss'))}{stopped}")
    _epoch_axis(ax)
    name = _column_name(column)
    ax.set_ylabel(name)
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    scale = " on a log scale" if log_scale else ""
    describe(
        ax,
        f"Line chart of {name} per epoch{scale} for {len(histories)} runs: {'; '.join(parts)}.",
    )
    return ax


def _epochs(history: History) -> list[int]:
    """The history's epoch numbers, as integers."""
    return [int(epoch) for epoch in history.column("epoch")]


def plot_learning_rate_regimes(
    histories: Mapping[str, History],
    column: str = "train_loss",
    figure: Figure | None = None,
    title: str | None = None,
    floor: float | None = None,
    shade_from: int | None = None,
) -> list[Axes]:
    """One panel per run, side by side, each on its own scale: for learning-rate regimes.

    ``histories`` maps a label (such as ``"lr = 0.003"``) to a run's history.
    A run that diverged is drawn on a log scale, with a cross where its loss became
    infinite, and so is a run whose values span more than a factor of 1000; the panels
    share no scale, so a diverging run cannot flatten the others. ``figure``: an empty
    figure to draw on (a new one otherwise); ``title``: the figure's point, drawn above
    the panels and quoted in the alt text; ``floor``: the lowest loss reachable (the
    noise in the data), drawn as a dashed line in every panel that did not diverge, so
    that "still far from its floor" can be seen; ``shade_from``: an epoch, from which to
    the last epoch each panel on a linear scale is shaded (the epochs a quoted spread
    comes from). A panel on a log scale says so in its title. The alt text gives a value
    of 1000 or more (a blow-up, whose digits depend on the CPU) as its order of magnitude
    only. Returns the axes, left to right.

    Examples
    --------
    >>> from lesson_pkg.plots import alt_text
    >>> from lesson_pkg.history import History
    >>> run = History(rows=[{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}])
    >>> axes = plot_learning_rate_regimes({"lr = 0.1": run}, title="0.1 settles")
    >>> alt_text(axes[0].figure).startswith("1 panel of training loss per epoch, titled")
    True
    >>> plt.close(axes[0].figure)
    """
    if not histories:
        raise ValueError("histories is empty: give at least one {label: History}")
    for history in histories.values():
        _check_history(history)
    fig = figure or plt.figure(figsize=(3.2 * len(histories), 3.4), layout="constrained")
    axes: list[Axes] = list(fig.subplots(1, len(histories), squeeze=False)[0])
    parts = []
    for index, (ax, (label, history)) in enumerate(zip(axes, histories.items(), strict=True)):
        epochs, values = _epochs(history), history.column(column)
        style = _nth_style(index)
        ax.plot(epochs, values, **_series_style(style, epochs))
        diverged = history.diverged_at
        trend = _trend(values, epochs, column.endswith("loss"))
        if diverged is None:
            wide = min(values) > 0 and max(values) / min(values) > 1000
            if wide:
                ax.set_yscale("log")
            above = ""
            if shade_from is not None and not wide:
                span = (shade_from - 0.5, epochs[-1] + 0.5)
                ax.axvspan(*span, color="0.92", zorder=0, label=f"epochs {shade_from}-{epochs[-1]}")
            if floor is not None:
                ax.axhline(floor, color="#000000", ls="--", lw=1, label=f"floor {_number(floor)}")
                ratio = values[-1] / floor
                above = f", ending {ratio:.1f} times the dashed floor {_number(floor)}"
            if floor is not None or (shade_from is not None and not wide):
                ax.legend(loc="upper right")
            parts.append(f"{label}{', on a log scale' if wide else ''}: {trend}{above}")
        else:
            epoch, step = diverged
            _cross_divergence(ax, epochs, values, diverged, style["color"])
            parts.append(
                f"{label}, on a log scale: {trend}, and becomes infinite at step {step} of "
                f"epoch {epoch}, marked with a cross"
            )
        ax.set_title(f"{label} (log scale)" if ax.get_yscale() == "log" else label)
        _epoch_axis(ax)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(_column_name(column))
    if title:
        fig.suptitle(title)
    describe(
        fig,
        f"{len(histories)} panel{'s' if len(histories) > 1 else ''} of {_column_name(column)} "
        "per epoch"
        + (f", titled '{title}'" if title else "")
        + f", one per run, each on its own scale: {_orders_of_magnitude('; '.join(parts))}"
        + (f"; epochs {shade_from} on shaded in the linear panels" if shade_from else "")
        + ".",
    )
    return axes


def _orders_of_magnitude(text: str) -> str:
    """Each number written in e-notation in ``text`` as its power of ten only.

    >>> _orders_of_magnitude("rises from 6.02 to 2e+12, then 8.3e+07")
    'rises from 6.02 to about 1e+12, then about 1e+08'
    """
    return re.sub(
        r"\d(?:\.\d+)?e\+(\d+)",
        lambda match: f"about 1e+{round(math.log10(float(match[0]))):02d}",
        text,
    )


def _cross_divergence(
    ax: Axes,
    epochs: Sequence[int],
    values: Sequence[float],
    diverged_at: tuple[int, int],
    color: str,
) -> None:
    """On a log scale, a cross above the curve where the loss became infinite, labelled.

    A dotted line in the run's ``color`` joins the last finite value to the cross.
    """
    epoch, step = diverged_at
    ax.set_yscale("log")
    top = max(values) * 100
    ax.plot([epoch], [top], "x", color="#000000", markersize=10, mew=2)
    ax.plot([epochs[-1], epoch], [values[-1], top], ":", color=color)
    ax.annotate(
        f"inf at step {step}\nof epoch {epoch}",
        (epoch, top),
        xytext=(0, -12),
        textcoords="offset points",
        ha="center",
        va="top",
    )
    ax.set_xlim(0.5, epoch + 0.9)
    ax.set_ylim(top=top * 10)
