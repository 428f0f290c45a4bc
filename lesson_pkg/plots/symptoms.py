"""Lesson 05's own figure: one pathology of a loss curve, with its symptom marked."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from lesson_pkg import diagnosis
from lesson_pkg.plots.descriptions import _number, _trend, describe
from lesson_pkg.plots.style import LINESTYLES, MARKERS, PALETTE, _axes, _series_style

__all__ = ["plot_symptom"]


def _symptom_trend(values: Sequence[float], steps: Sequence[int], unit: str) -> str:
    """A curve of the field guide told in words, without a value that a blow-up decides."""
    finite = [value for value in values if math.isfinite(value)]
    if len(finite) < len(values):
        first_bad = next(index for index, value in enumerate(values) if not math.isfinite(value))
        return (
            f"starts at {_number(values[0])}, then becomes {_number(values[first_bad])} "
            f"at {unit} {steps[first_bad]}"
        )
    if diagnosis.diverged(values):
        return f"starts at {_number(values[0])} and grows by orders of magnitude"
    trend = _trend(values, steps, lower_is_better=True).replace("epoch", unit)
    if unit == "step":  # a per-step curve: its jumps matter as much as its ends
        highest = int(np.argmax(values))
        trend += f", its highest {_number(values[highest])} at step {steps[highest]}"
    return trend


def _draw_inset(ax: Axes, label: str, values: Sequence[float], unit: str) -> str:
    """``values`` drawn small in the lower right corner of ``ax``; returns their description."""
    steps = list(range(1, len(values) + 1))
    small = ax.inset_axes((0.52, 0.1, 0.45, 0.34))
    small.plot(steps, values, color=PALETTE[2], linestyle=LINESTYLES[2], marker=MARKERS[2], ms=3)
    small.set_title(f"{label} (off this scale)", fontsize="x-small", pad=2)
    small.tick_params(labelsize="x-small")
    small.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    small.yaxis.set_major_locator(MaxNLocator(nbins=3))
    small.grid(alpha=0.3)
    return f"inset, off the main scale: {label} {_symptom_trend(values, steps, unit)}"


def plot_symptom(
    curves: Mapping[str, Sequence[float]],
    title: str,
    ax: Axes | None = None,
    unit: str = "epoch",
    floor: tuple[float, str] | None = None,
    mark: tuple[int, str] | None = None,
    erratic: Sequence[str] = (),
    log_scale: bool = False,
    ylim: tuple[float, float] | None = None,
    inset: tuple[str, Sequence[float]] | None = None,
) -> Axes:
    """One pathology of the field guide (notebook 05): its loss curves, titled by its symptom.

    ``curves`` maps a label ("training", "validation") to per-epoch (or per-step, with
    ``unit="step"``) losses; a NaN or infinite value ends its line. ``floor`` draws a
    dashed horizontal line, ``(value, label)``, such as the lowest loss noisy labels
    allow; ``mark`` a dotted vertical line at an epoch, ``(epoch, label)``. The alt text
    tells each curve's course from the data; a label in ``erratic`` (a run whose values
    depend on the last bits of the arithmetic) is described without its values.

    ``ylim`` zooms the loss axis onto what the panel is about; ``inset``, ``(label,
    losses)``, then draws a run that falls off that scale small in the lower right corner
    (a clean run beside a noisy one's floor), described in the alt text too.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> ax = plot_symptom({"training": [1.0, 0.6, 0.5]}, "It falls")
    >>> alt_text(ax)
    "Line chart 'It falls' of loss per epoch: training falls from 1.00 to 0.50 over 3 epochs."
    >>> plt.close(ax.figure)
    """
    if not curves:
        raise ValueError("curves is empty: give at least one {label: losses}")
    if unit not in ("epoch", "step"):
        raise ValueError(f"unit must be 'epoch' or 'step', got {unit!r}")
    ax = _axes(ax, figsize=(4.5, 3.2))
    parts = []
    for index, (label, values) in enumerate(curves.items()):
        steps = list(range(1, len(values) + 1))
        style = {
            "color": PALETTE[index % len(PALETTE)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)],
            "marker": MARKERS[index % len(MARKERS)],
        }
        finite = [value if math.isfinite(value) else np.nan for value in values]
        ax.plot(steps, finite, **_series_style(style, steps), label=label)
        trend = "swings erratically" if label in erratic else _symptom_trend(values, steps, unit)
        parts.append(f"{label} {trend}")
    if floor is not None:
        ax.axhline(floor[0], color="0.3", linestyle="--", linewidth=1, label=floor[1])
        parts.append(f"dashed line: {floor[1]}, {_number(floor[0])}")
    if mark is not None:
        ax.axvline(mark[0], color="0.3", linestyle=":", linewidth=1.5, label=mark[1])
        parts.append(f"dotted line: {mark[1]}")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if inset is not None:
        parts.append(_draw_inset(ax, *inset, unit=unit))
    ax.set_xlabel(unit)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("loss (log scale)" if log_scale else "loss")
    if log_scale:
        ax.set_yscale("log")
    ax.set_title(title, fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize="small")
    scale = " on a log scale" if log_scale else ""
    describe(ax, f"Line chart '{title}' of loss per {unit}{scale}: {'; '.join(parts)}.")
    return ax
