"""Comparisons: a confusion matrix, columns of numbers per run, a sweep of one setting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from lesson_pkg import validation
from lesson_pkg.plots.curves import _check_history, _epochs
from lesson_pkg.plots.descriptions import _column_name, _number, _trend, describe
from lesson_pkg.plots.style import _axes, _epoch_axis, _line_style, _nth_style, _series_style

if TYPE_CHECKING:
    from lesson_pkg.history import History

__all__ = ["plot_columns", "plot_confusion_matrix", "plot_sweep"]


def _text_color(background: Any) -> str:
    """Black or white, whichever contrasts more with ``background`` (at least 4.5:1).

    WCAG contrast is ``(L1 + 0.05) / (L2 + 0.05)`` of the relative luminances.
    """
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(background)
    ]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"


def _times(count: int) -> str:
    """A count in words: "once", "twice", "5 times"."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _confusion_text(values: np.ndarray, names: Sequence[str]) -> str:
    """What a confusion matrix says: accuracy, the most frequent mistake, unused classes."""
    total, correct = int(values.sum()), int(np.trace(values))
    text = (
        f"Confusion matrix of {len(names)} classes over {total} samples, rows the true "
        f"class and columns the predicted class: {correct} on the diagonal are correct"
    )
    text += f" (accuracy {correct / total:.2f})." if total else "."
    mistakes = values - np.diag(np.diag(values))
    if mistakes.sum() == 0:
        return text + " There are no mistakes."
    true, predicted = (
        int(index) for index in np.unravel_index(np.argmax(mistakes), mistakes.shape)
    )
    if mistakes.max() == 1:
        errors = int(mistakes.sum())
        text += (
            f" The {errors} errors fall in {errors} different cells, one each: no pair of "
            "classes is confused more than once."
        )
    else:
        text += (
            f" The most frequent mistake is true class {names[true]} predicted as "
            f"{names[predicted]} ({_times(int(mistakes[true, predicted]))})."
        )
    never = [names[index] for index in range(len(names)) if values[:, index].sum() == 0]
    if never:
        text += f" Never predicted: class {', '.join(never)}."
    return text


def plot_confusion_matrix(
    matrix: validation.ArrayLike,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A confusion matrix as a grid of counts: rows are true classes, columns predictions.

    The diagonal holds the correct predictions; each off-diagonal cell is one kind of
    mistake.
    """
    counts = validation.as_tensor(matrix, "matrix")
    if counts.dim() != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"matrix must be square (C, C), got {tuple(counts.shape)}")
    n_classes = counts.shape[0]
    names = [str(index) for index in range(n_classes)] if class_names is None else list(class_names)
    if len(names) != n_classes:
        raise ValueError(f"class_names has {len(names)} names for {n_classes} classes")
    side = max(3.0, 1.0 + 0.5 * n_classes)
    ax = _axes(ax, figsize=(side + 0.5, side))
    values = counts.numpy()
    image = ax.imshow(values, cmap="Blues")
    for row in range(n_classes):
        for column in range(n_classes):
            ax.text(
                column,
                row,
                f"{values[row, column]:g}",
                ha="center",
                va="center",
                color=_text_color(image.cmap(image.norm(values[row, column]))),
            )
    ax.set_xticks(range(n_classes), names)
    ax.set_yticks(range(n_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)  # grid lines (use_style turns them on) would cut through the cells
    describe(ax, _confusion_text(values, names))
    return ax


def _labelled(columns: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """``{column: label}``, labelling a plain list of columns with their names in words."""
    if isinstance(columns, Mapping):
        return dict(columns)
    return {column: _column_name(column) for column in columns}


def _tail_mean(values: Sequence[float], last: int) -> float:
    """The mean of the last ``last`` values (all of them if there are fewer)."""
    tail = values[-last:]
    return sum(tail) / len(tail)


def _value(value: float) -> str:
    """A count as a whole number (25), any other value as :func:`_number` says it."""
    return str(int(value)) if float(value).is_integer() else _number(value)


def plot_columns(
    history: History,
    panels: Mapping[str, Sequence[str] | Mapping[str, str]],
    marks: Mapping[int, str] | None = None,
    title: str | None = None,
) -> list[Axes]:
    """Any columns of a history, per epoch, in stacked panels sharing the epoch axis.

    ``panels`` maps each panel's y label to the columns drawn in it, as a list
    (``["val_loss"]``, labelled "validation loss") or as ``{column: label}``. Each series
    has its own colour, line style and marker. ``marks`` maps epochs to what happened
    there (``{16: "best loss"}``), drawn as grey vertical lines through every panel: the
    epochs the text talks about. Returns the axes, top to bottom.

    Examples
    --------
    >>> from lesson_pkg.plots import alt_text
    >>> from lesson_pkg.history import History
    >>> run = History(rows=[{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.7}])
    >>> axes = plot_columns(run, {"loss": ["val_loss"]}, marks={2: "best"})
    >>> alt_text(axes[0].figure)
    '1 stacked panel per epoch: validation loss falls from 0.90 to 0.70 over 2 epochs \
(0.70 at epoch 2). Vertical lines mark epoch 2 (best).'
    >>> plt.close(axes[0].figure)
    """
    labelled, marks = _checked_panels(history, panels, marks)
    epochs = _epochs(history)
    fig, grid = plt.subplots(
        len(labelled),
        1,
        sharex=True,
        figsize=(7.5, 1.2 + 1.8 * len(labelled)),
        layout="constrained",
        squeeze=False,
    )
    axes: list[Axes] = list(grid[:, 0])
    mark_styles = ("--", ":", "-.")
    series, texts = 0, []
    for ax, (label, columns) in zip(axes, labelled.items(), strict=True):
        for column, name in columns.items():
            style = _nth_style(series)
            values = history.column(column)
            ax.plot(epochs, values, **_series_style(style, epochs), label=name)
            at_marks = ", ".join(
                f"{_value(values[epochs.index(epoch)])} at epoch {epoch}" for epoch in marks
            )
            trend = _trend(values, epochs, column.endswith("loss"))
            texts.append(f"{name} {trend}" + (f" ({at_marks})" if at_marks else ""))
            series += 1
        for index, (epoch, what) in enumerate(marks.items()):
            ax.axvline(
                epoch,
                color="#666666",
                linestyle=mark_styles[index % len(mark_styles)],
                linewidth=1.2,
                label=f"epoch {epoch}: {what}" if ax is axes[0] else None,
            )
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    _epoch_axis(axes[-1])
    if title:
        fig.suptitle(title)
    marked = "; ".join(f"epoch {epoch} ({what})" for epoch, what in marks.items())
    plural = "s" if len(labelled) > 1 else ""
    describe(
        fig,
        f"{len(labelled)} stacked panel{plural} per epoch"
        + (f", titled '{title}'" if title else "")
        + f": {'; '.join(texts)}."
        + (f" Vertical lines mark {marked}." if marked else ""),
    )
    return axes


def _checked_panels(
    history: History,
    panels: Mapping[str, Sequence[str] | Mapping[str, str]],
    marks: Mapping[int, str] | None,
) -> tuple[dict[str, dict[str, str]], dict[int, str]]:
    """:func:`plot_columns`'s panels as ``{label: {column: name}}`` and its marks, checked.

    Raises ``ValueError`` for an empty history or no panels, a column the history does
    not have (naming those it has), or a mark at an epoch it does not have.
    """
    _check_history(history)
    if not panels:
        raise ValueError("panels is empty: give at least one {label: [column, ...]}")
    labelled = {label: _labelled(columns) for label, columns in panels.items()}
    for columns in labelled.values():
        for column in columns:
            history.column(column)  # raises ValueError naming the known columns
    marks = dict(marks or {})
    epochs = _epochs(history)
    unknown = [epoch for epoch in marks if epoch not in epochs]
    if unknown:
        raise ValueError(f"marks name epochs {unknown} that the history does not have")
    return labelled, marks


def plot_sweep(
    values: Sequence[float],
    loss: Sequence[float],
    accuracy: Sequence[float],
    xlabel: str,
) -> list[Axes]:
    """A loss and an accuracy against one swept value, stacked, the best of each marked.

    The loss is drawn as a line, the accuracy as a staircase (it changes in steps); a
    dashed line marks the value with the lowest loss and a dotted one the first value
    with the highest accuracy, in both panels. Returns the two axes, loss on top.

    Examples
    --------
    >>> axes = plot_sweep([-1.0, 0.0, 1.0], [0.9, 0.6, 0.8], [0.5, 0.5, 0.75], "bias")
    >>> [line.get_xdata()[0] for line in axes[0].lines[1:]]  # lowest loss, best accuracy
    [0.0, 1.0]
    >>> plt.close(axes[0].figure)
    """
    if not (len(values) == len(loss) == len(accuracy) > 0):
        raise ValueError(
            f"values, loss and accuracy must have the same length, got {len(values)}, "
            f"{len(loss)} and {len(accuracy)}"
        )
    best_loss = min(range(len(loss)), key=loss.__getitem__)
    best_accuracy = max(range(len(accuracy)), key=accuracy.__getitem__)
    fig, (loss_ax, accuracy_ax) = plt.subplots(
        2, 1, figsize=(7, 4.5), sharex=True, layout="constrained"
    )
    loss_ax.plot(values, loss, **_line_style(0))
    loss_ax.set_ylabel("loss")
    accuracy_ax.plot(values, accuracy, **_line_style(0), drawstyle="steps-mid")
    accuracy_ax.set_ylabel("accuracy")
    accuracy_ax.set_xlabel(xlabel)
    for ax in (loss_ax, accuracy_ax):
        ax.axvline(
            values[best_loss],
            color="#000000",
            linestyle="--",
            label=f"lowest loss, at {values[best_loss]:.2f}",
        )
        ax.axvline(
            values[best_accuracy],
            color="#000000",
            linestyle=":",
            label=f"highest accuracy, at {values[best_accuracy]:.2f}",
        )
        ax.grid(alpha=0.3)
    loss_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    describe(
        fig,
        f"Two panels against {xlabel} from {values[0]:.2g} to {values[-1]:.2g}. Top: the "
        f"loss, a smooth curve, lowest ({_number(loss[best_loss])}) at "
        f"{values[best_loss]:.2f}. Bottom: the accuracy, a staircase of flat steps, highest "
        f"({_number(accuracy[best_accuracy])}) first at {values[best_accuracy]:.2f}. A "
        "dashed and a dotted line mark the two values in both panels.",
    )
    return [loss_ax, accuracy_ax]
