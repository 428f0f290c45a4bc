"""The course's look: a colour-blind-safe palette, a line style and marker per series.

Colour is never the only cue: series take colours from the Okabe-Ito palette, which
people with colour-vision deficiencies tell apart (:data:`PALETTE`, the first five at
least 3:1 against white), and each series of a chart also has its own line style and
marker. Also the axes helpers every figure shares (a new axes, an epoch axis, a legend
outside the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from lesson_pkg.plots.descriptions import register_alt_text

__all__ = [
    "BEST_STYLE",
    "LINESTYLES",
    "MARKED_EPOCHS",
    "MARKERS",
    "PALETTE",
    "STYLE",
    "TRAIN_STYLE",
    "VAL_STYLE",
    "use_style",
]


PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9")
"""Okabe-Ito colours, darkest first: blue, vermillion, bluish green, reddish purple, black,
orange, sky blue. The first five contrast at least 3:1 with white."""


LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 3)))


MARKERS = ("o", "s", "^", "D", "v", "P", "X")


TRAIN_STYLE = {"color": PALETTE[0], "linestyle": LINESTYLES[0], "marker": MARKERS[0]}


VAL_STYLE = {"color": PALETTE[1], "linestyle": LINESTYLES[1], "marker": MARKERS[1]}


BEST_STYLE: dict[str, Any] = {"color": "#000000", "linestyle": ":", "linewidth": 1.2}


MARKED_EPOCHS = 40
"""Curves of at most this many epochs get a marker per epoch; longer ones are plain lines."""


STYLE: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=PALETTE) + cycler(linestyle=LINESTYLES),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
}
"""The course's matplotlib settings, for figures drawn by hand: see :func:`use_style`."""


def use_style() -> None:
    """Give figures drawn directly with matplotlib the course's palette and line styles.

    Each new line of a chart takes the next colour of :data:`PALETTE` together with the
    next line style, so that series differ in more than colour. Inside a Jupyter kernel
    it also makes every figure displayed carry its alt text (:func:`register_alt_text`).
    """
    plt.rcParams.update(STYLE)  # type: ignore[arg-type]  # rcParams' keys are literals
    register_alt_text()


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.5, 4)) -> Axes:
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _legend_outside(ax: Axes, handles: list | None = None) -> None:
    """The legend to the right of the axes, where it covers no data and leaves the title free."""
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)


def _epoch_axis(ax: Axes) -> None:
    """Label the x axis "epoch", with whole-number ticks."""
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _centred_epoch_axis(ax: Axes, last_epoch: int) -> None:
    """Label the x axis "epoch", epoch ``k``'s number at the middle of its span (k - 1, k].

    Faint vertical grid lines mark the boundaries between epochs (for runs of at most
    :data:`MARKED_EPOCHS` epochs), so that a reader at the tick "7" reads epoch 7.
    """
    ax.set_xlabel("epoch")
    numbers = [
        int(number)
        for number in MaxNLocator(integer=True).tick_values(1, last_epoch)
        if 1 <= number <= last_epoch
    ]
    ax.set_xticks([number - 0.5 for number in numbers], [str(number) for number in numbers])
    ax.tick_params(axis="x", length=0)  # a tick mark mid-epoch would read as a boundary
    ax.grid(False, axis="x", which="major")
    if last_epoch <= MARKED_EPOCHS:
        ax.set_xticks(range(last_epoch + 1), minor=True)
        ax.grid(True, axis="x", which="minor", alpha=0.3)


def _series_style(style: dict, epochs: Sequence[float]) -> dict:
    """``style`` with its marker for short runs, without it for long ones."""
    return style if len(epochs) <= MARKED_EPOCHS else {**style, "marker": None}


def _nth_style(index: int) -> dict:
    """The colour, line style and marker of the ``index``-th series of a chart."""
    return {
        "color": PALETTE[index % len(PALETTE)],
        "linestyle": LINESTYLES[index % len(LINESTYLES)],
        "marker": MARKERS[index % len(MARKERS)],
    }


def _line_style(index: int) -> dict:
    """The ``index``-th series' colour and line style, without markers (dense curves)."""
    return {**_nth_style(index), "marker": None}
