"""Lesson 03's own figures: a reliability diagram, and precision against recall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes

from lesson_pkg.plots.descriptions import describe
from lesson_pkg.plots.style import LINESTYLES, MARKERS, PALETTE, _axes, _legend_outside, _nth_style

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
    others: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    zoom: tuple[float, float, float, float] | None = None,
    zoom_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Precision against recall as a decision threshold moves, with named models marked.

    ``recall`` and ``precision`` are one point per threshold (from the strictest to the
    most lenient, as :func:`lesson_pkg.metrics.precision` and ``recall`` give them);
    leave out thresholds that predict nothing positive (their precision, 0/0, is not a
    point of the curve). ``marks`` maps a label to a (recall, precision) point drawn with
    its own marker, such as the default threshold 0.5 and another model. Its point:
    lowering the threshold buys recall with precision, along the curve.

    ``others`` maps a label to another model's curve, ``(recall, precision)``, drawn
    dashed grey. ``zoom``, ``(recall_min, recall_max, precision_min, precision_max)``,
    enlarges that crowded corner in an inset at the top right, where each mark named in
    ``zoom_labels`` gets its short label (``{mark's label: short label}``).

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
    ax = _axes(ax, figsize=(6.6, 3.8))
    ax.plot(recall, precision, color=PALETTE[0], lw=2, label="plain model, threshold moved")
    parts = []
    for index, (label, (x, y)) in enumerate(marks.items(), start=1):
        ax.plot(x, y, MARKERS[index], color=PALETTE[index], ms=10, label=label, zorder=3)
        parts.append(f"{label}: recall {x:.2f}, precision {y:.2f}")
    extra = ""
    for index, (label, (found, precise)) in enumerate((others or {}).items(), start=1):
        ax.plot(found, precise, color="0.45", ls=LINESTYLES[index], lw=1.5, label=label)
        extra += f" A dashed grey curve: {label}, recall {min(found):.2f} to {max(found):.2f}."
    ax.set_xlabel("recall of the rare class")
    ax.set_ylabel("precision of the rare class")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    if zoom is not None:
        extra += _zoom_corner(ax, zoom, zoom_labels or {})
    describe(
        ax,
        f"Precision-recall curve of the rare class as the decision threshold moves, "
        f"{len(recall)} thresholds: recall from {min(recall):.2f} to {max(recall):.2f}; "
        f"precision {precision[0]:.2f} at the strictest threshold (recall {recall[0]:.2f}) "
        f"and {precision[-1]:.2f} at the most lenient (recall {recall[-1]:.2f}). "
        f"Marked: {'; '.join(parts)}.{extra}",
    )
    return ax


def _zoom_corner(
    ax: Axes, zoom: tuple[float, float, float, float], labels: Mapping[str, str]
) -> str:
    """Every line of ``ax`` again, enlarged on ``zoom`` in an inset; returns its description."""
    x_min, x_max, y_min, y_max = zoom
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"zoom must be (x_min, x_max, y_min, y_max), increasing, got {zoom}")
    inset = ax.inset_axes((0.6, 0.6, 0.38, 0.38), xlim=(x_min, x_max), ylim=(y_min, y_max))
    for line in ax.lines:
        inset.plot(
            line.get_xdata(),
            line.get_ydata(),
            color=line.get_color(),
            ls=line.get_linestyle(),
            lw=line.get_linewidth(),
            marker=line.get_marker(),
            ms=line.get_markersize(),
            zorder=line.get_zorder(),
        )
        short = labels.get(str(line.get_label()))
        if short is not None:  # a mark: one point, labelled on its right
            point = (line.get_xdata()[0], line.get_ydata()[0])  # type: ignore[index]
            inset.annotate(
                short, point, xytext=(8, 0), textcoords="offset points", va="center", size="small"
            )
    inset.tick_params(labelsize="small")
    inset.grid(alpha=0.3)
    ax.indicate_inset_zoom(inset, edgecolor="0.3")
    named = ", ".join(f"{short} ({label})" for label, short in labels.items())
    return (
        f" An inset enlarges recall {x_min:.2f} to {x_max:.2f} and precision {y_min:.2f} to "
        f"{y_max:.2f}" + (f", with its marks labelled {named}." if named else ".")
    )
