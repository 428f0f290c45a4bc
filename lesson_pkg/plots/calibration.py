"""Lesson 03's own figures: a reliability diagram, and precision against recall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes

from lesson_pkg.plots.descriptions import describe
from lesson_pkg.plots.style import MARKERS, PALETTE, _axes, _legend_outside, _nth_style

__all__ = ["plot_precision_recall", "plot_reliability_diagram"]


def plot_reliability_diagram(
    bins: Mapping[str, Sequence[tuple[float, float, int]]], ece: Mapping[str, float]
) -> Axes:
    """Reliability diagram: accuracy against confidence, per bin, for one or more models.

    ``bins`` maps a model's name to :func:`lesson_pkg.metrics.calibration_bins`'s rows
    (mean confidence, accuracy, count); ``ece`` its expected calibration error, quoted
    in the legend. The dashed diagonal is perfect calibration; points below it are
    over-confident (right less often than they claim). A marker's area grows with the
    number of predictions in its bin.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> ax = plot_reliability_diagram({"model": [(0.6, 1.0, 1), (0.9, 0.5, 2)]}, {"model": 0.4})
    >>> "model (ECE 0.40)" in alt_text(ax)
    True
    >>> plt.close(ax.figure)
    """
    if not bins or set(bins) != set(ece):
        raise ValueError(
            f"bins and ece must name the same models, got {list(bins)} and {list(ece)}"
        )
    ax = _axes(None, figsize=(8.4, 4.4))
    ax.plot([0, 1], [0, 1], color="#000000", ls="--", lw=1, label="calibrated")
    parts = []
    for index, (name, rows) in enumerate(bins.items()):
        confidence = [row[0] for row in rows]
        right = [row[1] for row in rows]
        style = _nth_style(index)
        ax.plot(confidence, right, **{**style, "marker": None}, alpha=0.7)
        ax.scatter(
            confidence,
            right,
            s=[12 + 2 * row[2] for row in rows],
            marker=style["marker"],
            color=style["color"],
            alpha=0.8,
            label=f"{name} (ECE {ece[name]:.3f})",
        )
        top = max(rows, key=lambda row: row[2])
        parts.append(
            f"{name} (ECE {ece[name]:.2f}): its fullest bin, {top[2]} predictions at mean "
            f"confidence {top[0]:.3f}, is right {top[1]:.3f} of the time"
        )
    ax.set_xlim(0.45, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(
        "confidence (the predicted class's probability); marker area: predictions in the bin"
    )
    ax.set_ylabel("accuracy in the bin")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    describe(
        ax,
        "Reliability diagram: accuracy against confidence per confidence bin, a dashed "
        "diagonal for perfect calibration; points below it are over-confident; a marker's "
        f"area grows with its bin's count. "
        f"{'; '.join(parts)}.",
    )
    return ax


def plot_precision_recall(
    recall: Sequence[float],
    precision: Sequence[float],
    marks: Mapping[str, tuple[float, float]],
) -> Axes:
    """Precision against recall as a decision threshold moves, with named models marked.

    ``recall`` and ``precision`` are one point per threshold (from the strictest to the
    most lenient, as :func:`lesson_pkg.metrics.precision` and ``recall`` give them);
    leave out thresholds that predict nothing positive (their precision, 0/0, is not a
    point of the curve). ``marks`` maps a label to a (recall, precision) point drawn with
    its own marker, such as the default threshold 0.5 and another model. Its point:
    lowering the threshold buys recall with precision, along the curve.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lesson_pkg.plots import alt_text
    >>> ax = plot_precision_recall([0.2, 0.5, 1.0], [0.9, 0.6, 0.1], {"t = 0.5": (0.5, 0.6)})
    >>> "t = 0.5: recall 0.50, precision 0.60" in alt_text(ax)
    True
    >>> plt.close(ax.figure)
    """
    if not (len(recall) == len(precision) > 0):
        raise ValueError(
            f"recall and precision must have the same length, got {len(recall)} and "
            f"{len(precision)}"
        )
    ax = _axes(None, figsize=(6.6, 3.8))
    ax.plot(recall, precision, color=PALETTE[0], lw=2, label="plain model, threshold moved")
    parts = []
    for index, (label, (x, y)) in enumerate(marks.items(), start=1):
        ax.plot(x, y, MARKERS[index], color=PALETTE[index], ms=10, label=label)
        parts.append(f"{label}: recall {x:.2f}, precision {y:.2f}")
    ax.set_xlabel("recall of the rare class")
    ax.set_ylabel("precision of the rare class")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    describe(
        ax,
        f"Precision-recall curve of the rare class as the decision threshold moves, "
        f"{len(recall)} thresholds: recall from {min(recall):.2f} to {max(recall):.2f}; "
        f"precision {precision[0]:.2f} at the strictest threshold (recall {recall[0]:.2f}) "
        f"and {precision[-1]:.2f} at the most lenient (recall {recall[-1]:.2f}). "
        f"Marked: {'; '.join(parts)}.",
    )
    return ax
