"""Lesson 02's own figures: the learning-rate range test, the stability sweep, batch noise."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lesson_pkg.plots.descriptions import _number, describe
from lesson_pkg.plots.style import (
    LINESTYLES,
    PALETTE,
    _axes,
    _legend_outside,
    _line_style,
    _nth_style,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lesson_pkg.history import History

__all__ = [
    "plot_batch_size_noise",
    "plot_range_test",
    "plot_recorded_above_validation",
    "plot_stability_sweep",
    "steepest_fall",
]


def steepest_fall(rates: Sequence[float], smoothed: Sequence[float]) -> tuple[float, float]:
    """The doubling of the learning rate over which a range test's loss falls the most.

    ``rates`` rise step by step and ``smoothed[i]`` is the smoothed loss at ``rates[i]``.
    For each step ``i`` before the lowest smoothed loss, ``j`` is the first step whose
    rate is at least ``2 * rates[i]`` (the next step, when rates are further apart); the
    pair with the largest fall ``smoothed[i] - smoothed[j]`` is returned as
    ``(rates[i], rates[j])``. A fall measured over a doubling, rather than from one step
    to the next, is not decided by one noisy step. A loss that never falls gives
    ``(rates[0], rates[0])``. ``rates`` may run on past the last smoothed loss (the
    schedule of a test that stopped early at the blow-up).

    Examples
    --------
    >>> rates = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32]
    >>> steepest_fall(rates, [0.8, 0.78, 0.6, 0.45, 0.4, 2.0])  # 0.78 to 0.6: the most
    (0.02, 0.04)
    """
    if not smoothed or len(rates) < len(smoothed):
        raise ValueError(
            f"need a rate for each smoothed loss: got {len(rates)} rates, "
            f"{len(smoothed)} smoothed losses"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(rates)):
        raise ValueError(f"rates must rise step by step, got {list(rates)[:6]}...")
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    fall, steepest = -math.inf, (rates[0], rates[0])
    for i in range(lowest):
        j = max(bisect.bisect_left(rates, 2 * rates[i], i + 1, lowest + 1), i + 1)
        if j > lowest:
            break
        if smoothed[i] - smoothed[j] > fall:
            fall, steepest = smoothed[i] - smoothed[j], (rates[i], rates[j])
    return steepest


def plot_range_test(
    rates: Sequence[float],
    step_losses: Sequence[float],
    smoothed: Sequence[float],
    reference: tuple[float, str] | None = None,
) -> Axes:
    """A learning-rate range test: the loss of each step against its learning rate.

    ``rates[i]`` is the rate of step ``i`` (raised exponentially), ``step_losses[i]`` its
    loss and ``smoothed[i]`` the loss smoothed; the sweep may have stopped early, so the
    losses may be shorter than the rates. Drawn on it are the two usual starting rates:
    the steepest fall of the smoothed loss (:func:`steepest_fall`, shaded) and a tenth of
    the rate of the lowest smoothed loss (a dash-dot line). The lowest point itself is
    marked by a cross: the end of the fall, not a safe default, with the blow-up close
    above it. A sweep that stopped early (fewer losses than rates) gets a dashed line at
    its last rate, where it blew up: the upper bound of the useful rates. ``reference``
    marks one rate with a label, such as ``(0.5, "used in section 2")``. The y axis ends a
    little above the first smoothed loss, so that the blow-up at the end leaves the chart
    at the top. Returns the axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> rates = [0.01, 0.1, 1.0, 10.0, 100.0]
    >>> ax = plot_range_test(rates, [0.7, 0.5, 0.3, 9.0], [0.7, 0.6, 0.45, 3.0])
    >>> "The steepest fall, from 0.1 to 1, is shaded" in alt_text(ax)
    True
    >>> "a dashed line marks 10, where the sweep blew up and stopped" in alt_text(ax)
    True
    >>> plt.close(ax.figure)
    """
    if not step_losses or len(smoothed) != len(step_losses) or len(rates) < len(step_losses):
        raise ValueError(
            f"need as many smoothed losses as step losses, and a rate for each: got "
            f"{len(rates)} rates, {len(step_losses)} losses, {len(smoothed)} smoothed"
        )
    steps = len(step_losses)
    lowest = min(range(steps), key=smoothed.__getitem__)
    tenth, high = rates[lowest] / 10, rates[lowest]
    fall_start, fall_end = steepest_fall(rates, smoothed)
    ax = _axes(None, figsize=(8.5, 3.6))
    ax.plot(
        rates[:steps],
        step_losses,
        **_line_style(0),
        alpha=0.4,
        label="loss per step",
    )
    ax.plot(rates[:steps], smoothed, **_line_style(1), lw=2, label="smoothed")
    _mark_starting_rates(ax, (fall_start, fall_end), (high, smoothed[lowest]))
    stopped = _mark_blow_up(ax, rates, steps) if steps < len(rates) else ""
    if reference is not None:
        ax.axvline(
            reference[0], color="#000000", linestyle=":", label=f"{reference[0]:g}, {reference[1]}"
        )
    ax.set_xscale("log")
    ax.set_ylim(0, 1.2 * smoothed[0])
    ax.set_xlabel("learning rate (raised at every step, log scale)")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    marked = f"; a dotted line marks {reference[0]:g}, {reference[1]}" if reference else ""
    describe(
        ax,
        f"Line chart of the training loss against a learning rate raised from {rates[0]:.2g} "
        f"to {rates[steps - 1]:.2g} over {steps} steps, log scale: the smoothed loss starts "
        f"at {_number(smoothed[0])}, falls to its lowest, {_number(smoothed[lowest])} at "
        f"{high:.2g} (marked by a cross), and ends at {_number(smoothed[-1])}, out of the "
        f"chart when above {_number(1.2 * smoothed[0])}. The steepest fall, from "
        f"{fall_start:.2g} to {fall_end:.2g}, is shaded; a dash-dot line marks a tenth of "
        f"the lowest's rate, {tenth:.2g}{stopped}{marked}.",
    )
    return ax


def _mark_starting_rates(ax: Axes, fall: tuple[float, float], lowest: tuple[float, float]) -> None:
    """Shade the steepest ``fall``, mark a tenth of the lowest's rate and cross the lowest.

    ``lowest`` is the lowest smoothed loss's ``(rate, loss)``.
    """
    (fall_start, fall_end), (high, lowest_loss) = fall, lowest
    tenth = high / 10
    ax.axvspan(
        fall_start,
        fall_end,
        color=PALETTE[2],
        alpha=0.2,
        label=f"steepest fall:\n{fall_start:.2g} to {fall_end:.2g}",
    )
    ax.axvline(
        tenth,
        color=PALETTE[2],
        linestyle="-.",
        lw=1.5,
        label=f"a tenth of the\nlowest's rate: {tenth:.2g}",
    )
    ax.plot(
        high,
        lowest_loss,
        "X",
        color="#000000",
        ms=9,
        label=f"lowest smoothed loss,\nat {high:.2g}: the fall ends",
    )


def _mark_blow_up(ax: Axes, rates: Sequence[float], steps: int) -> str:
    """A dashed line at the rate where a sweep of ``steps`` steps stopped; its alt text."""
    stop = rates[steps - 1]
    ax.axvline(
        stop,
        color=PALETTE[3],
        linestyle=LINESTYLES[5],
        lw=1.5,
        label=f"blown up: stop\nat {stop:.2g}",
    )
    return f"; a dashed line marks {stop:.2g}, where the sweep blew up and stopped"


def plot_stability_sweep(
    rates: Sequence[float],
    growth: Sequence[float],
    limit: float,
    xlabel: str = "learning rate",
    floor_ratio: float | None = None,
) -> Axes:
    """Measured growth of the loss against the learning rate, with the predicted limit.

    ``growth`` is, for each rate, the loss after training divided by the loss before
    (below 1: it converged; above 1: it diverged), drawn on a log scale with a dotted line
    at 1; ``limit`` (2 / lambda_max for gradient descent on a quadratic loss) is drawn as
    a dashed vertical line. Its point: the runs turn from falling to growing at the limit.
    ``floor_ratio``, the lowest reachable loss over the loss before, is drawn as a
    dash-dot line: the lowest ``growth`` any run can reach, where the converged runs meet.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> ax = plot_stability_sweep([0.5, 0.7, 0.9], [0.01, 0.2, 50.0], limit=0.8)
    >>> "dashed line at the predicted limit 0.8" in alt_text(ax)
    True
    >>> plt.close(ax.figure)
    """
    if not (len(rates) == len(growth) > 0):
        raise ValueError(
            f"rates and growth must have the same length, got {len(rates)} and {len(growth)}"
        )
    ax = _axes(None, figsize=(7, 3.4))
    falls = [(rate, value) for rate, value in zip(rates, growth, strict=True) if value < 1]
    grows = [(rate, value) for rate, value in zip(rates, growth, strict=True) if value >= 1]
    ax.plot(rates, growth, color="0.6", lw=1)
    if falls:
        ax.plot(*zip(*falls, strict=True), "o", color=PALETTE[0], label="loss fell (converged)")
    if grows:
        ax.plot(*zip(*grows, strict=True), "^", color=PALETTE[1], label="loss grew (diverged)")
    ax.axvline(limit, color="#000000", ls="--", label=f"predicted limit 2/λ_max = {limit:.3f}")
    ax.axhline(1, color="#000000", ls=":", lw=1)
    floor_text = ""
    if floor_ratio is not None:
        ax.axhline(
            floor_ratio,
            color="0.3",
            ls="-.",
            lw=1,
            label=f"floor / loss before = {floor_ratio:.2g}\n(the lowest possible)",
        )
        floor_text = f", a dash-dot line at the floor over the loss before, {floor_ratio:.2g}"
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss after / loss before\n(log scale)")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    last_fall = max((rate for rate, _ in falls), default=None)
    first_growth = min((rate for rate, _ in grows), default=None)
    describe(
        ax,
        f"Points for {len(rates)} learning rates from {rates[0]:g} to {rates[-1]:g}, on a log "
        f"scale of the loss after training over the loss before: circles where the loss "
        f"fell (up to {last_fall:g}), triangles where it grew (from {first_growth:g}), a "
        f"dotted line at 1{floor_text}, and a dashed line at the predicted limit "
        f"{limit:.3f}, which falls between the last rate that converged and the first that "
        "diverged.",
    )
    return ax


def plot_batch_size_noise(
    curves: Mapping[int, Sequence[float]],
    samples: int,
    spreads: Mapping[int, float] | None = None,
) -> Axes:
    """Per-step training loss at several batch sizes, against the samples seen.

    ``curves`` maps a batch size to its per-step losses over the same ``samples``
    training samples (so a batch of 8 takes 32 times as many steps as one of 256). Each
    curve is drawn at the number of samples seen after each step, with its own colour,
    line style and marker. Its point: the smaller the batch, the noisier each step.
    ``spreads`` (optional) maps each batch size to the standard deviation of its batch
    loss at fixed weights, the noise alone: the alt text quotes it, since a step-to-step
    jump also holds the fall of the loss itself, most of all over a large batch's few
    steps.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> ax = plot_batch_size_noise({2: [1.0, 0.5, 0.9, 0.4], 4: [0.8, 0.6]}, samples=8)
    >>> "batch 2: 4 steps" in alt_text(ax)
    True
    >>> plt.close(ax.figure)
    """
    if not curves:
        raise ValueError("curves is empty: give at least one {batch size: step losses}")
    ax = _axes(None, figsize=(7.5, 3.6))
    parts = []
    for index, (batch, values) in enumerate(sorted(curves.items())):
        seen = [batch * (step + 1) for step in range(len(values))]
        style = _nth_style(index)
        ax.plot(
            seen,
            values,
            **{**style, "marker": style["marker"] if len(values) <= 40 else None},
            lw=1.2 if len(values) > 40 else 2,
            alpha=0.85,
            label=f"batch {batch}",
        )
        jumps = [abs(after - before) for before, after in itertools.pairwise(values)]
        typical = sorted(jumps)[len(jumps) // 2] if jumps else 0.0
        parts.append(
            f"batch {batch}: {len(values)} steps, from {_number(values[0])} to "
            f"{_number(values[-1])}, a typical step-to-step jump of {_number(typical)}"
        )
    ax.set_xlabel(f"training samples seen (the same {samples} for every batch size)")
    ax.set_ylabel("loss of each step's batch")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    noise = ""
    if spreads:
        listed = ", ".join(f"{spreads[size]:.2g} at batch {size}" for size in sorted(spreads))
        noise = (
            f" At fixed weights, the noise alone, the batch loss varies by {listed} "
            "(standard deviation); the step-to-step jumps above also hold the fall of the "
            "loss itself, most of all over a large batch's few steps."
        )
    describe(
        ax,
        f"Line chart of the per-step training loss against the samples seen, one curve per "
        f"batch size: {'; '.join(parts)}. The smaller the batch, the more jagged the "
        f"curve.{noise}",
    )
    return ax


def plot_recorded_above_validation(
    histories: Mapping[str, History],
    measured: Mapping[str, History] | None = None,
    last_epoch: int | None = None,
) -> list[Axes]:
    """The recorded training loss against the validation loss, one panel per run.

    ``histories`` maps a label to a run's history: its ``train_loss``, recorded during
    each epoch in training mode (dropout on, averaged while the weights still change),
    is drawn thin with small markers, its ``val_loss`` thick and dashed, and every epoch whose
    recorded training loss is above its validation loss is shaded. ``measured`` maps
    the same labels to a second pass that measured the training points after each epoch
    in evaluation mode, as its ``val_loss``: drawn dotted. ``last_epoch`` limits the
    epochs drawn (every epoch is counted in the titles). Returns the axes, left to right.

    Examples
    --------
    >>> from lesson_pkg.plots import alt_text
    >>> from lesson_pkg.history import History
    >>> run = History(rows=[{"epoch": 1, "train_loss": 0.6, "val_loss": 0.5},
    ...                     {"epoch": 2, "train_loss": 0.4, "val_loss": 0.45}])
    >>> axes = plot_recorded_above_validation({"dropout": run})
    >>> "dropout: above in 1 of 2 epochs, the last at epoch 1" in alt_text(axes[0].figure)
    True
    >>> plt.close(axes[0].figure)
    """
    if not histories:
        raise ValueError("histories is empty: give at least one {label: History}")
    count = len(histories)
    fig, grid = plt.subplots(
        1, count, figsize=(2.5 + 3.6 * count, 3.8), squeeze=False, sharey=True, layout="constrained"
    )
    axes: list[Axes] = list(grid[0])
    parts = []
    for ax, (label, history) in zip(axes, histories.items(), strict=True):
        above = [row["epoch"] for row in history.rows if row["train_loss"] > row["val_loss"]]
        _shade_epochs(ax, [epoch for epoch in above if epoch <= (last_epoch or epoch)])
        rows = history.rows[:last_epoch]
        epochs = [row["epoch"] for row in rows]
        ax.plot(epochs, [row["val_loss"] for row in rows], color=PALETTE[1], ls="--", lw=2.2)
        ax.plot(
            epochs, [row["train_loss"] for row in rows], color=PALETTE[0], lw=1, marker="o", ms=2.5
        )
        if measured is not None:
            again = [row["val_loss"] for row in measured[label].rows[:last_epoch]]
            ax.plot(epochs, again, color=PALETTE[2], ls=":", lw=1.5)
        last = f", the last at epoch {above[-1]}" if above else ""
        ax.set_title(f"{label}:\nabove in {len(above)} epochs{last}", fontsize="medium")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        parts.append(f"{label}: above in {len(above)} of {len(history.rows)} epochs{last}")
    axes[0].set_ylabel("loss")
    recorded = "training loss, recorded during\nthe epoch (dropout on, if any)"
    keys = [
        Line2D([], [], color=PALETTE[1], ls="--", lw=2.2, label="validation loss"),
        Line2D([], [], color=PALETTE[0], lw=1, marker="o", ms=2.5, label=recorded),
        Patch(color="0.85", label="recorded training loss\nabove validation"),
    ]
    if measured is not None:
        after = "training loss, measured\nafter the epoch (dropout off)"
        keys.insert(2, Line2D([], [], color=PALETTE[2], ls=":", lw=1.5, label=after))
    _legend_outside(axes[-1], keys)
    _describe_recorded_above(fig, histories, measured, last_epoch, parts)
    return axes


def _describe_recorded_above(
    fig: Figure,
    histories: Mapping[str, History],
    measured: Mapping[str, History] | None,
    last_epoch: int | None,
    parts: list[str],
) -> None:
    """The alt text of :func:`plot_recorded_above_validation`'s figure."""
    count = len(histories)
    drawn = f" (epochs 1 to {last_epoch} drawn)" if last_epoch is not None else ""
    lines = "the recorded training loss (thin, with small markers) and"
    after_epoch = measured_above = ""
    if measured is not None:
        lines = "the recorded training loss (thin, with small markers),"
        higher = []
        for label, history in histories.items():
            pairs = zip(measured[label].rows, history.rows, strict=True)
            count_above = sum(again["val_loss"] > row["val_loss"] for again, row in pairs)
            higher.append(f"{count_above} of {len(history.rows)} epochs for {label}")
        after_epoch = " and the training loss measured after each epoch with dropout off (dotted)"
        measured_above = (
            " The training loss measured after each epoch is above the validation loss in "
            f"{' and '.join(higher)}."
        )
    describe(
        fig,
        f"{count} panel{'s' if count > 1 else ''}, per epoch{drawn}, of {lines} the "
        f"validation loss (thick, dashed){after_epoch}; the epochs where the recorded "
        f"training loss is above the validation loss are shaded: {'; '.join(parts)}."
        + measured_above,
    )


def _shade_epochs(ax: Axes, epochs: Sequence[float]) -> None:
    """A grey band across each of ``epochs``, behind the curves."""
    for epoch in epochs:
        ax.axvspan(epoch - 0.5, epoch + 0.5, color="0.85", lw=0, zorder=0)
