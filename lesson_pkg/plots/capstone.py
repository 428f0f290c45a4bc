"""Lesson 04's own marks, drawn on :func:`~lesson_pkg.plots.plot_loss_and_accuracy`'s panels.

The capstone reads one run back: the ratio validation / training at the epochs its text
names (:func:`mark_ratios`), a first value that falls below a zoomed accuracy axis
(:func:`mark_below_scale`), and the two epochs that loss and accuracy choose
(:func:`mark_best_accuracy`). Each function draws on the axes it is given and returns a
sentence of alt text computed from the data, for the figure's description.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D

__all__ = ["mark_below_scale", "mark_best_accuracy", "mark_ratios"]

GREY = "0.5"


def _ratio_position(epoch: int, epochs: Sequence[int], first: int) -> tuple[str, float]:
    """Where a ratio's number goes: centred above its bar, or beside a neighbour's."""
    if epoch == first:  # starts at its bar, so that it stays inside the axes
        return "left", -0.5
    if epoch + 1 in epochs:
        return "right", 0.3
    if epoch - 1 in epochs:
        return "left", -0.3
    return "center", 0.0


def mark_ratios(
    ax: Axes, epochs: Sequence[int], train: Sequence[float], val: Sequence[float]
) -> str:
    """Grey bars joining the two losses at ``epochs``, each under its ratio validation / training.

    ``train`` and ``val`` are per-epoch losses (epoch 1 first); ``epochs`` are 1-based.
    On a log axis the bar's length is the ratio itself. Each ratio is printed at the top
    of the axes, above a small grey triangle (visible where a bar is too short to see);
    two neighbouring epochs' numbers are pushed apart. The legend is redrawn outside the
    axes with the bars in it. Returns the alt text sentence.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> mark_ratios(ax, [2], [1.0, 0.5], [0.9, 0.75]).endswith("2 (validation / training 1.50)")
    True
    >>> plt.close(ax.figure)
    """
    if len(train) != len(val):
        raise ValueError(
            f"train and val must have one loss per epoch, got {len(train)} and {len(val)}"
        )
    if not epochs or not all(1 <= epoch <= len(train) for epoch in epochs):
        raise ValueError(f"epochs must be between 1 and {len(train)}, got {list(epochs)}")
    at_top = ax.get_xaxis_transform()  # x in epochs, y as a fraction of the axes' height
    ratios = {epoch: val[epoch - 1] / train[epoch - 1] for epoch in epochs}
    for epoch, ratio in ratios.items():
        label = "validation / training\nloss (number above)" if epoch == epochs[0] else "_bar"
        ax.vlines(epoch, train[epoch - 1], val[epoch - 1], color=GREY, lw=4, alpha=0.5, label=label)
        align, shift = _ratio_position(epoch, epochs, first=1)
        ax.text(
            epoch + shift,
            0.96,
            f"{ratio:.2f}",
            transform=at_top,
            ha=align,
            va="top",
            fontsize="small",
            backgroundcolor="white",
        )
        ax.plot(epoch, 0.86, "v", color=GREY, markersize=5, transform=at_top)
    ax.set_ylim(top=3 * max(train))  # room for the numbers above the curves
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return "Grey bars, each under a grey triangle and its ratio, join the two losses at epochs " + (
        ", ".join(f"{epoch} (validation / training {ratio:.2f})" for epoch, ratio in ratios.items())
    )


def mark_below_scale(ax: Axes, values: Sequence[float], label: str) -> str:
    """An arrow to epoch 1 on the bottom edge of a zoomed axis, naming the curve's value there.

    ``values`` are the curve's per-epoch values (epoch 1 first), already drawn on ``ax``,
    whose lower limit is above ``values[0]``. A small triangle (v) marks epoch 1 on the
    bottom edge, and the note, "``label``, epoch 1: value (below the scale)", sits on two
    lines just right of where the curve enters the axis, with an arrow to the triangle.
    Returns the alt text sentence.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3], [0.5, 0.9, 0.95]); _ = ax.set_ylim(0.8, 1.0)
    >>> print(mark_below_scale(ax, [0.5, 0.9, 0.95], "training"))  # doctest: +NORMALIZE_WHITESPACE
    training at epoch 1, 0.50, is below the axis (which starts at 0.80),
    shown by an arrow to a triangle at epoch 1 on the bottom edge
    >>> plt.close(ax.figure)
    """
    low, high = ax.get_ylim()
    if len(values) < 2 or not values[0] < low <= values[1]:
        raise ValueError(
            f"values must start below the axis ({low:.2f}) and enter it at epoch 2, "
            f"got {list(values[:2])}"
        )
    lift = 0.06 * (high - low)  # the note sits a little above the edge
    enters = 1 + (low - values[0]) / (values[1] - values[0])  # where the curve crosses it
    left, right = ax.get_xlim()
    ax.plot([1], [low], marker="v", color="0.3", markersize=6, clip_on=False, zorder=5)
    ax.annotate(
        f"{label}, epoch 1: {values[0]:.2f}\n(below the scale)",
        (1, low),
        xytext=(enters + 0.05 * (right - left), low + lift),
        textcoords="data",
        arrowprops={"arrowstyle": "->", "color": "0.3", "shrinkB": 4},
        ha="left",
        va="bottom",
        fontsize="small",
    )
    return (
        f"{label} at epoch 1, {values[0]:.2f}, is below the axis (which starts at {low:.2f}), "
        "shown by an arrow to a triangle at epoch 1 on the bottom edge"
    )


def mark_best_accuracy(ax: Axes, accuracy: Sequence[float], restored: int, highest: int) -> str:
    """A star at the ``highest`` validation accuracy, and both it and the ``restored`` one labelled.

    ``accuracy`` is the validation accuracy per epoch (epoch 1 first), drawn on ``ax`` by
    :func:`~lesson_pkg.plots.plot_loss_and_accuracy`; ``restored`` is the epoch early
    stopping kept, ``highest`` the one with the highest accuracy (1-based). The legend is
    redrawn outside the axes: the two curves, the star, the restored epoch's line.
    Returns the alt text sentence.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> mark_best_accuracy(ax, [0.8, 0.9, 0.95], restored=2, highest=3)[:60]
    'validation accuracy is 0.900 at the restored epoch 2 and 0.9'
    >>> plt.close(ax.figure)
    """
    if not (1 <= restored <= len(accuracy) and 1 <= highest <= len(accuracy)):
        raise ValueError(
            f"restored and highest must be epochs 1 to {len(accuracy)}, "
            f"got {restored} and {highest}"
        )
    curves = ax.lines[:2]  # training and validation, as plot_loss_and_accuracy draws them
    (star,) = ax.plot(
        highest,
        accuracy[highest - 1],
        "*",
        color="#000000",
        ms=14,
        label="highest validation accuracy",
    )
    for epoch, offset, align in [(restored, (0, 5), "center"), (highest, (-9, 0), "right")]:
        ax.annotate(
            f"{accuracy[epoch - 1]:.3f}",
            (epoch, accuracy[epoch - 1]),
            xytext=offset,
            textcoords="offset points",
            ha=align,
            va="bottom" if align == "center" else "center",
            fontsize="small",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
    restored_lines = [line for line in ax.lines if str(line.get_label()).startswith("restored")]
    handles: list[Line2D] = [*curves, star, *restored_lines]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return (
        f"validation accuracy is {accuracy[restored - 1]:.3f} at the restored epoch {restored} "
        f"and {accuracy[highest - 1]:.3f} at epoch {highest} (a star), both labelled"
    )
