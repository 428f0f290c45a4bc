"""The course's pictures: loss curves, loss functions, decision boundaries, confusion matrices.

Every function draws on ``ax`` when given one (so that plots can share a figure) and on a
new figure otherwise, and returns the axes it drew on.

Every figure is made to be read by everyone:

- **It describes itself.** Each function stores alt text on the axes it draws, a
  sentence computed from the data that says what the chart shows and its point;
  :func:`describe` does the same for a figure drawn by hand, and :func:`alt_text` reads
  it back. Inside a Jupyter kernel, importing this module makes every matplotlib figure
  displayed carry that text in its output's metadata, ``{"image/png": {"alt": text}}``,
  which nbconvert's HTML writes into ``<img alt="...">`` (its ``classic`` template; the
  ``lab`` template and JupyterLab 4 do not read it yet). The inline backend's default PNG
  keeps it; its ``retina`` format replaces the image metadata and drops it.
- **Colour is never the only cue.** Series take colours from the Okabe-Ito palette,
  which people with colour-vision deficiencies tell apart (:data:`PALETTE`, the first five
  at least 3:1 against white), and each series of a chart also has its own line style
  and marker. Text is black on white (21:1), or black or white on coloured cells,
  whichever contrasts more (at least 4.5:1).
"""

from __future__ import annotations

import bisect
import itertools
import math
import sys
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lesson_pkg import diagnosis, losses, validation

if TYPE_CHECKING:
    from lesson_pkg.history import History

__all__ = [
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "alt_text",
    "describe",
    "plot_batch_size_noise",
    "plot_columns",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_learning_rate_regimes",
    "plot_loss_and_accuracy",
    "plot_loss_curves",
    "plot_loss_functions",
    "plot_optimizer_comparison",
    "plot_precision_recall",
    "plot_range_test",
    "plot_reliability_diagram",
    "plot_runs",
    "plot_stability_sweep",
    "plot_sweep",
    "steepest_fall",
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

_descriptions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def use_style() -> None:
    """Give figures drawn directly with matplotlib the course's palette and line styles.

    Each new line of a chart takes the next colour of :data:`PALETTE` together with the
    next line style, so that series differ in more than colour.
    """
    plt.rcParams.update(STYLE)  # type: ignore[arg-type]  # rcParams' keys are literals


def describe(target: Axes | Figure, text: str) -> Axes | Figure:
    """Give a chart (one axes) or a whole figure its alt text; returns ``target``.

    The text should say what the chart shows and its point, with the numbers that make
    it, for someone who cannot see it: "Line chart of loss per epoch: training loss falls
    from 0.63 to 0.21 over 40 epochs; validation loss is lowest at epoch 16 (0.29), then
    rises to 0.41." Write it from the data with an f-string, so it stays true.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3], [0.9, 0.5, 0.4])
    >>> _ = describe(ax, "Line chart of loss per epoch: it falls from 0.9 to 0.4.")
    >>> alt_text(fig)
    'Line chart of loss per epoch: it falls from 0.9 to 0.4.'
    >>> plt.close(fig)
    """
    if not isinstance(target, Axes | Figure):
        raise TypeError(f"describe needs a matplotlib Axes or Figure, got {type(target).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"the alt text must be a non-empty string, got {text!r}")
    _descriptions[target] = text.strip()
    return target


def alt_text(target: Figure | Axes) -> str:
    """The alt text of a figure (or of one axes), as displayed in a notebook.

    A figure's own text if :func:`describe` gave it one; otherwise the texts of its axes
    in order, where an axes without one is summarised from its title, labels and lines.
    """
    if target in _descriptions:
        return _descriptions[target]
    if isinstance(target, Axes):
        return _summary(target)
    parts = [_descriptions.get(ax) or _summary(ax) for ax in target.axes if _has_content(ax)]
    return " ".join(parts) if parts else "An empty figure."


def _has_content(ax: Axes) -> bool:
    """Whether an axes is visible and draws anything (a twin axes may draw nothing)."""
    return ax.get_visible() and bool(ax.lines or ax.images or ax.collections or ax.patches)


def _summary(ax: Axes) -> str:
    """A description of an axes nobody described: its title, labels and line ends."""
    kind = "Line chart" if ax.lines else "Chart"
    what = f"{ax.get_ylabel() or 'values'} against {ax.get_xlabel() or 'x'}"
    title = f" titled '{ax.get_title()}'" if ax.get_title() else ""
    series = [
        f"{line.get_label()} from {_number(ydata[0])} to {_number(ydata[-1])}"
        for line in ax.lines
        if not str(line.get_label()).startswith("_") and len(ydata := np.asarray(line.get_ydata()))
    ]
    listed = f": {'; '.join(series)}" if series else ""
    return f"{kind}{title} of {what}{listed}."


def _number(value: float | torch.Tensor) -> str:
    """A value as a reader says it: 0.63, 12.35, 0.0034, 1.2e+28, inf (a count: 44)."""
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return f"{value:g}"
    return f"{value:.2f}" if 0.01 <= abs(value) < 1000 else f"{value:.2g}"


def _trend(values: Sequence[float], epochs: Sequence[float], lower_is_better: bool) -> str:
    """How a per-epoch series moves: "falls from 0.70 to its lowest, 0.29 at epoch 16, ...".

    The turning point named is the best value (lowest if ``lower_is_better``); when that is
    an end of the series, the other extreme, so that a fall and a rise are never told as one
    fall: "falls from 44 to its lowest, 23 at epoch 34, then rises to 30".

    >>> _trend([44, 25, 23, 30], [1, 2, 3, 4], lower_is_better=False)
    'falls from 44 to its lowest, 23 at epoch 3, then rises to 30'
    >>> _trend([0.9, 0.5, 0.3], [1, 2, 3], lower_is_better=True)
    'falls from 0.90 to 0.30 over 3 epochs'
    """
    if all(float(value).is_integer() for value in values):  # counts read as counts: 44
        values = [int(value) for value in values]
    first, last = values[0], values[-1]
    if len(values) == 1:
        return f"is {_number(first)} after epoch {epochs[0]}"
    best_index = int(np.argmin(values) if lower_is_better else np.argmax(values))
    if _at_end(values, best_index):  # the best is an end: say where it turns the other way
        best_index = int(np.argmax(values) if lower_is_better else np.argmin(values))
        lower_is_better = not lower_is_better
    best = values[best_index]
    if _at_end(values, best_index):
        verb = "falls" if last < first else "rises" if last > first else "stays"
        return f"{verb} from {_number(first)} to {_number(last)} over {len(values)} epochs"
    toward = "falls" if best < first else "rises"
    after = "rises" if last > best else "falls"
    extreme = "lowest" if lower_is_better else "highest"
    return (
        f"{toward} from {_number(first)} to its {extreme}, {_number(best)} at epoch "
        f"{epochs[best_index]}, then {after} to {_number(last)}"
    )


def _at_end(values: Sequence[float], index: int) -> bool:
    """Whether ``values[index]`` reads as the first or last value (equal to two digits)."""
    return index in (0, len(values) - 1) or _number(values[index]) in (
        _number(values[0]),
        _number(values[-1]),
    )


def _register_alt_text_formatter() -> None:
    """Inside IPython, attach :func:`alt_text` to every matplotlib figure displayed.

    IPython builds a figure's output from its formatters; this one adds only metadata,
    ``{"image/png": {"alt": ...}}``, and leaves the PNG to the inline backend, so the
    backend's settings (size, resolution) still apply.
    """
    ipython = sys.modules.get("IPython")  # loaded in every kernel; never imported here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_metadata)


def _alt_text_metadata(figure: Figure) -> tuple[dict, dict]:
    return {}, {"image/png": {"alt": alt_text(figure)}}


_register_alt_text_formatter()


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.5, 4)) -> Axes:
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _legend_outside(ax: Axes, handles: list | None = None) -> None:
    """The legend to the right of the axes, where it covers no data and leaves the title free."""
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)


def _metric_column(history: History) -> str | None:
    """The first metric column (validation first), such as ``val_accuracy``."""
    skipped = {"epoch", "train_loss", "val_loss", "lr", "seconds"}
    metric_columns = [name for name in history.columns if name not in skipped]
    validation_first = sorted(metric_columns, key=lambda name: not name.startswith("val_"))
    return validation_first[0] if validation_first else None


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
    if history.stop_reason is None:
        return ""
    return f" Training stopped early, after epoch {history.rows[-1]['epoch']}."


def _column_name(column: str) -> str:
    """A column's name in words: "val_loss" -> "validation loss"."""
    split, _, name = column.partition("_")
    words = {"train": "training", "val": "validation"}
    return (
        f"{words[split]} {name.replace('_', ' ')}" if split in words else column.replace("_", " ")
    )


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


def plot_loss_curves(
    history: History, ax: Axes | None = None, per_step: bool = True, mark_best: bool = True
) -> Axes:
    """Training loss per step and per epoch, and validation loss per epoch, on one chart.

    The x axis counts epochs: epoch ``k`` spans ``(k - 1, k]``, and step ``i`` of an epoch
    of ``S`` steps sits at ``i / S`` past the epoch's start. With ``per_step``, each
    epoch's mean training loss is a flat segment spanning its epoch, so it sits on the
    steps it averages, and the number ``k`` is written under the middle of that span,
    faint grid lines marking the boundaries; without it, the mean is a point at the
    epoch's end, above its number. Validation happens after each epoch, so its points
    sit at the epoch's end (with ``per_step``, on the boundary after its number). With
    ``mark_best``, a dotted line marks the best epoch (the one early stopping restored, if
    it did).
    """
    _check_history(history)
    ax = _axes(ax)
    epochs = history.column("epoch")
    steps_shown = per_step and history.step_losses and history.steps_per_epoch
    handles, step_text = [], ""
    if steps_shown:
        steps = np.arange(1, len(history.step_losses) + 1) / history.steps_per_epoch
        handles += ax.plot(
            steps,
            history.step_losses,
            color=PALETTE[0],
            alpha=0.35,
            lw=1,
            label="training loss per step",
        )
        spans = np.repeat(np.asarray(epochs, dtype=float), 2) + np.tile([-1.0, 0.0], len(epochs))
        handles += ax.plot(
            spans,
            np.repeat(history.column("train_loss"), 2),
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
        stopped = f", then stops (after epoch {epochs[-1]})" if history.stop_reason else ""
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


def _regression_curves() -> tuple[torch.Tensor, dict[str, torch.Tensor], str]:
    error = torch.linspace(-3, 3, 301)
    zero = torch.zeros_like(error)
    curves = {
        "MSE  e²": losses.mse_loss(error, zero, reduction="none"),
        "MAE  |e|": losses.mae_loss(error, zero, reduction="none"),
        "Huber (δ = 1)": losses.huber_loss(error, zero, reduction="none"),
    }
    ends = ", ".join(f"{name.split()[0]} {_number(values[-1])}" for name, values in curves.items())
    text = (
        "Line chart of three regression losses against the error e = prediction - target, "
        f"from -3 to 3: all are 0 at e = 0; at e = ±3 they reach {ends}. MSE grows with "
        "the square of the error, so one large error pulls it hardest; MAE grows in "
        "proportion, and Huber is quadratic near 0 and grows in proportion beyond |e| = 1."
    )
    return error, curves, text


def _classification_curves() -> tuple[torch.Tensor, dict[str, torch.Tensor], str]:
    margin = torch.linspace(-3, 3, 301)
    ones = torch.ones_like(margin)
    logistic = losses.binary_cross_entropy_with_logits(margin, ones, reduction="none")
    hinge = losses.hinge_loss(margin, ones, reduction="none")
    curves = {
        "binary cross-entropy (logistic)": logistic,
        "hinge": hinge,
        "0-1 loss (1 - accuracy)": (margin <= 0).float(),
    }
    text = (
        "Line chart of three classification losses against the margin y · s from -3 to 3 "
        "(positive: the right side): the 0-1 loss that accuracy counts is a step, 1 up to "
        "margin 0 and 0 after it, flat everywhere else, so it gives no gradient; binary "
        f"cross-entropy falls smoothly from {_number(logistic[0])} to "
        f"{_number(logistic[-1])} and never reaches 0; hinge falls in a straight line from "
        f"{_number(hinge[0])} to 0 at margin 1 and stays 0."
    )
    return margin, curves, text


def plot_loss_functions(kind: str = "regression", ax: Axes | None = None) -> Axes:
    """The losses of the course drawn as functions of one prediction.

    ``kind="regression"``: MSE, MAE and Huber against the error ``prediction - target``.
    ``kind="classification"``: for a label ``y`` in {-1, +1} and a score ``s``, against
    the margin ``y * s``: the logistic (binary cross-entropy) loss, the hinge loss, and
    the 0-1 loss that accuracy counts, flat with a jump at 0.
    """
    if kind == "regression":
        x, curves, text = _regression_curves()
        xlabel = "error  e = prediction - target"
    elif kind == "classification":
        x, curves, text = _classification_curves()
        xlabel = "margin  y · s  (positive: the right side)"
    else:
        raise ValueError(f"kind must be 'regression' or 'classification', got {kind!r}")
    ax = _axes(ax)
    for index, (label, values) in enumerate(curves.items()):
        ax.plot(
            x.numpy(),
            values.numpy(),
            color=PALETTE[index],
            linestyle=LINESTYLES[index],
            label=label,
            lw=2,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    describe(ax, text)
    return ax


def _grid_predictions(model: torch.nn.Module, points: torch.Tensor) -> torch.Tensor:
    """The class the model predicts for each point (N, 2), in eval mode, without gradients.

    Outputs are read as logits, one column per class (argmax), or one column for two
    classes (class 1 when the logit is above 0).
    """
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        outputs = model(points.to(device)).cpu()
    model.train(was_training)
    outputs = outputs.reshape(len(points), -1)
    return outputs.argmax(1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0).long()


def plot_decision_boundary(
    model: torch.nn.Module,
    features: validation.ArrayLike,
    labels: validation.ArrayLike,
    ax: Axes | None = None,
    resolution: int = 200,
) -> Axes:
    """The regions a 2-D classifier assigns to each class, with the data on top.

    The model is evaluated on a ``resolution x resolution`` grid covering the data; its
    output is read as logits, one column per class (argmax), or one column for two
    classes (positive when the logit is above 0). Each class has its own colour and
    marker; a black line traces the boundaries between regions.
    """
    features = validation.as_float_tensor(features, "features")
    labels = validation.as_label_tensor(labels, "labels")
    if features.dim() != 2 or features.shape[1] != 2:
        raise ValueError(f"features must have shape (N, 2), got {tuple(features.shape)}")
    validation.check_int(resolution, "resolution", minimum=2)
    ax = _axes(ax, figsize=(6.2, 5))
    low, high = features.min(0).values - 0.5, features.max(0).values + 0.5
    xs = torch.linspace(float(low[0]), float(high[0]), resolution)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    grid = torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1).to(features.dtype)
    regions = _grid_predictions(model, grid).reshape(grid_x.shape)
    n_classes = int(max(labels.max().item(), regions.max().item())) + 1
    colours = [PALETTE[index % len(PALETTE)] for index in range(n_classes)]
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(grid_x, grid_y, regions, levels=levels, cmap=ListedColormap(colours), alpha=0.2)
    if regions.min() != regions.max():
        ax.contour(grid_x, grid_y, regions, levels=levels, colors="#000000", linewidths=1)
    for label in range(n_classes):
        chosen = labels == label
        ax.scatter(
            features[chosen, 0],
            features[chosen, 1],
            color=colours[label],
            marker=MARKERS[label % len(MARKERS)],
            s=16,
            edgecolors="#000000",
            linewidths=0.3,
            label=f"class {label}",
        )
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    _legend_outside(ax)
    right = (_grid_predictions(model, features) == labels).sum().item()
    shares = torch.bincount(regions.flatten(), minlength=n_classes) / regions.numel()
    areas = ", ".join(f"class {index} {share:.0%}" for index, share in enumerate(shares.tolist()))
    marker_names = dict(zip(MARKERS, ("circles", "squares", "triangles", "diamonds"), strict=False))
    shapes = ", ".join(
        f"class {index} as {marker_names.get(MARKERS[index % len(MARKERS)], 'crosses')}"
        for index in range(n_classes)
    )
    describe(
        ax,
        f"Scatter plot of {len(labels)} points of {n_classes} classes ({shapes}) over "
        f"feature 1 and feature 2, on shaded regions showing the class the model predicts "
        f"there (share of the area: {areas}). The model puts {right} of the {len(labels)} "
        f"points in their own class's region (accuracy {right / len(labels):.2f}).",
    )
    return ax


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


def _epochs(history: History) -> list[int]:
    """The history's epoch numbers, as integers."""
    return [int(epoch) for epoch in history.column("epoch")]


def _nth_style(index: int) -> dict:
    """The colour, line style and marker of the ``index``-th series of a chart."""
    return {
        "color": PALETTE[index % len(PALETTE)],
        "linestyle": LINESTYLES[index % len(LINESTYLES)],
        "marker": MARKERS[index % len(MARKERS)],
    }


def _diverged_at(history: History) -> tuple[int, int] | None:
    """(epoch, step) where a run's loss became infinite or NaN, or ``None`` if it did not.

    ``fit`` records every finite step loss and stops at the first non-finite one, so the
    failing step is the one after the last recorded.
    """
    if history.stop_reason is None or not history.stop_reason.startswith("training stopped"):
        return None
    if not history.steps_per_epoch:
        return None
    epoch, step = divmod(len(history.step_losses), history.steps_per_epoch)
    return epoch + 1, step + 1


def plot_learning_rate_regimes(
    histories: Mapping[str, History],
    column: str = "train_loss",
    figure: Figure | None = None,
    title: str | None = None,
    floor: float | None = None,
) -> list[Axes]:
    """One panel per run, side by side, each on its own scale: for learning-rate regimes.

    ``histories`` maps a label (such as ``"too small: lr = 0.003"``) to a run's history.
    A run that diverged is drawn on a log scale, with a cross where its loss became
    infinite, and so is a run whose values span more than a factor of 1000; the panels
    share no scale, so a diverging run cannot flatten the others. ``figure``: an empty
    figure to draw on (a new one otherwise); ``title``: the figure's point, drawn above
    the panels and quoted in the alt text; ``floor``: the lowest loss reachable (the
    noise in the data), drawn as a dashed line in every panel that did not diverge, so
    that "still far from its floor" can be seen. Returns the axes, left to right.

    Examples
    --------
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
        diverged = _diverged_at(history)
        trend = _trend(values, epochs, column.endswith("loss"))
        if diverged is None:
            wide = min(values) > 0 and max(values) / min(values) > 1000
            if wide:
                ax.set_yscale("log")
            above = ""
            if floor is not None:
                ax.axhline(floor, color="#000000", ls="--", lw=1, label=f"floor {_number(floor)}")
                ax.legend(loc="upper right")
                ratio = values[-1] / floor
                above = f", ending {ratio:.1f} times the dashed floor {_number(floor)}"
            parts.append(f"{label}{', on a log scale' if wide else ''}: {trend}{above}")
        else:
            epoch, step = diverged
            ax.set_yscale("log")
            top = max(values) * 100
            ax.plot([epoch], [top], "x", color="#000000", markersize=10, mew=2)
            ax.plot([epochs[-1], epoch], [values[-1], top], ":", color=style["color"])
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
            parts.append(
                f"{label}, on a log scale: {trend}, and becomes infinite at step {step} of "
                f"epoch {epoch}, marked with a cross"
            )
        ax.set_title(label)
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
        + f", one per run, each on its own scale: {'; '.join(parts)}.",
    )
    return axes


_ERRATIC_LABEL = "erratic: never settled\n(no value; top band)"
_ERRATIC_BAND = 0.93  # the crosses' height, as a fraction of the axes


def plot_optimizer_comparison(
    histories: Mapping[tuple[str, float], History],
    best: Mapping[str, float],
    column: str = "train_loss",
    last: int = 1,
    erratic: Sequence[tuple[str, float]] = (),
) -> list[Axes]:
    """Optimizers compared fairly: the end loss per learning rate, and each at its best.

    ``histories`` maps ``(optimizer name, learning rate)`` to a run's history; ``best``
    maps each optimizer's name to its chosen learning rate. Left: the mean of ``column``
    over the ``last`` epochs against the learning rate (log scale), one line per
    optimizer, a ring on each best rate. Right: the curve of each optimizer's best run,
    the averaged epochs shaded when ``last > 1``. Runs named in ``erratic`` (see
    :func:`lesson_pkg.training.is_erratic`) have no value worth drawing (it depends on the
    CPU): each gets a cross, at its rate, in a grey band above the plotted values, not
    joined to its optimizer's line, and the alt text says "erratic" instead of their loss.
    Returns the two axes.

    Examples
    --------
    >>> from lesson_pkg.history import History
    >>> def run(*losses):
    ...     return History(rows=[{"epoch": i + 1, "train_loss": v} for i, v in enumerate(losses)])
    >>> runs = {("SGD", 0.1): run(0.9, 0.5), ("SGD", 1.0): run(0.9, 0.2)}
    >>> axes = plot_optimizer_comparison(runs, {"SGD": 1.0})
    >>> "its best rate 1 ends at 0.20" in alt_text(axes[0].figure)
    True
    >>> plt.close(axes[0].figure)
    >>> axes = plot_optimizer_comparison(runs, {"SGD": 1.0}, last=2)
    >>> "its best rate 1 ends at 0.55 (from 0.20 to 0.90)" in alt_text(axes[0].figure)
    True
    >>> plt.close(axes[0].figure)
    """
    if not histories:
        raise ValueError("histories is empty: give at least one {(name, lr): History}")
    names = list(dict.fromkeys(name for name, _ in histories))
    missing = [name for name in names if (name, best.get(name)) not in histories]
    if missing:
        raise ValueError(f"best must name a learning rate that was run for {missing}")
    validation.check_int(last, "last", minimum=1)
    fig, (sweep_ax, curve_ax) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    parts = []
    for index, name in enumerate(names):
        style = _nth_style(index)
        rates = sorted(rate for run_name, rate in histories if run_name == name)
        finals = [_tail_mean(histories[name, rate].column(column), last) for rate in rates]
        kept = [(r, f) for r, f in zip(rates, finals, strict=True) if (name, r) not in erratic]
        sweep_ax.plot(*zip(*kept, strict=True), **style, label=name)
        wild = [rate for rate in rates if (name, rate) in erratic]
        if wild:
            crossed = any(line.get_label() == _ERRATIC_LABEL for line in sweep_ax.lines)
            sweep_ax.plot(
                wild,
                [_ERRATIC_BAND] * len(wild),
                "x",
                ms=12,
                mew=2,
                color="#000000",
                transform=sweep_ax.get_xaxis_transform(),
                label="_erratic" if crossed else _ERRATIC_LABEL,
            )
            for rate in wild:
                sweep_ax.annotate(
                    name,
                    (rate, _ERRATIC_BAND),
                    xycoords=sweep_ax.get_xaxis_transform(),
                    xytext=(-9, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                    fontsize="small",
                )
        chosen = histories[name, best[name]]
        chosen_end = _tail_mean(chosen.column(column), last)
        sweep_ax.plot(best[name], chosen_end, "o", ms=11, mfc="none", color=style["color"])
        epochs = _epochs(chosen)
        curve_ax.plot(
            epochs,
            chosen.column(column),
            **_series_style(style, epochs),
            label=f"{name}, lr = {best[name]:g}",
        )
        listed = ", ".join(
            f"{'erratic (a cross)' if (name, rate) in erratic else _number(final)} at {rate:g}"
            for rate, final in zip(rates, finals, strict=True)
        )
        window = chosen.column(column)[-last:]
        spread = f" (from {_number(min(window))} to {_number(max(window))})" if last > 1 else ""
        parts.append(
            f"{name} ends at {listed}; its best rate {best[name]:g} "
            f"ends at {_number(chosen_end)}{spread}"
        )
    name = _column_name(column)
    end = "after the last epoch" if last == 1 else f"mean of the last {last} epochs"
    shaded = f", the last {last} epochs shaded" if last > 1 else ""
    if last > 1:
        span = _epochs(histories[names[0], best[names[0]]])[-last:]
        curve_ax.axvspan(span[0] - 0.5, span[-1] + 0.5, color="0.9", label=f"last {last} epochs")
    sweep_ax.set_xscale("log")
    sweep_ax.set_yscale("log")
    curve_ax.set_yscale("log")
    if erratic:  # room above the settled values for the band of crosses
        low, high = sweep_ax.get_ylim()
        floor = 2 * _ERRATIC_BAND - 1  # the band's lower edge, as a fraction of the axes
        top = low * (high / low) ** (1 / floor)
        sweep_ax.set_ylim(low, top)
        edge = low * (top / low) ** floor
        sweep_ax.axhspan(edge, top, color="0.92", zorder=0)
        for minor in (False, True):  # no loss scale in the band: its crosses have no value
            ticks = sweep_ax.yaxis.get_ticklocs(minor=minor)
            sweep_ax.set_yticks([tick for tick in ticks if low <= tick <= edge], minor=minor)
    sweep_ax.set_xlabel("learning rate (log scale)")
    sweep_ax.set_ylabel(f"{name}, {end}\n(log scale; a ring: the best rate)")
    sweep_ax.set_title("Each optimizer's own range of rates")
    curve_ax.set_ylabel(f"{name} (log scale)")
    curve_ax.set_title("Each at its best rate")
    _epoch_axis(curve_ax)
    for ax in (sweep_ax, curve_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    describe(
        fig,
        f"Two panels, both on log scales. Left: {name}, {end}, against the learning rate, "
        f"one line per optimizer, a ring on each best rate. Right: {name} per epoch of "
        f"each optimizer at its best rate{shaded}. {'; '.join(parts)}.",
    )
    return [sweep_ax, curve_ax]


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
    >>> from lesson_pkg.history import History
    >>> run = History(rows=[{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.7}])
    >>> axes = plot_columns(run, {"loss": ["val_loss"]}, marks={2: "best"})
    >>> alt_text(axes[0].figure)
    '1 stacked panel per epoch: validation loss falls from 0.90 to 0.70 over 2 epochs \
(0.70 at epoch 2). Vertical lines mark epoch 2 (best).'
    >>> plt.close(axes[0].figure)
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


def _line_style(index: int) -> dict:
    """The ``index``-th series' colour and line style, without markers (dense curves)."""
    return {**_nth_style(index), "marker": None}


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
        smoothed[lowest],
        "X",
        color="#000000",
        ms=9,
        label=f"lowest smoothed loss,\nat {high:.2g}: the fall ends",
    )
    stopped = ""
    if steps < len(rates):
        stop = rates[steps - 1]
        ax.axvline(
            stop,
            color=PALETTE[3],
            linestyle=LINESTYLES[5],
            lw=1.5,
            label=f"blown up: stop\nat {stop:.2g}",
        )
        stopped = f"; a dashed line marks {stop:.2g}, where the sweep blew up and stopped"
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


def plot_stability_sweep(
    rates: Sequence[float], growth: Sequence[float], limit: float, xlabel: str = "learning rate"
) -> Axes:
    """Measured growth of the loss against the learning rate, with the predicted limit.

    ``growth`` is, for each rate, the loss after training divided by the loss before
    (below 1: it converged; above 1: it diverged), drawn on a log scale with a dotted line
    at 1; ``limit`` (2 / lambda_max for gradient descent on a quadratic loss) is drawn as
    a dashed vertical line. Its point: the runs turn from falling to growing at the limit.

    Examples
    --------
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
        f"dotted line at 1, and a dashed line at the predicted limit {limit:.3f}, which "
        "falls between the last rate that converged and the first that diverged.",
    )
    return ax


def plot_batch_size_noise(curves: Mapping[int, Sequence[float]], samples: int) -> Axes:
    """Per-step training loss at several batch sizes, against the samples seen.

    ``curves`` maps a batch size to its per-step losses over the same ``samples``
    training samples (so a batch of 8 takes 32 times as many steps as one of 256). Each
    curve is drawn at the number of samples seen after each step, with its own colour,
    line style and marker. Its point: the smaller the batch, the noisier each step.

    Examples
    --------
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
    describe(
        ax,
        f"Line chart of the per-step training loss against the samples seen, one curve per "
        f"batch size: {'; '.join(parts)}. The smaller the batch, the more jagged the curve.",
    )
    return ax


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
            f"confidence {top[0]:.2f}, is right {top[1]:.2f} of the time"
        )
    ax.set_xlim(0.45, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence (the predicted class's probability), per bin")
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


def plot_symptom(
    curves: Mapping[str, Sequence[float]],
    title: str,
    ax: Axes | None = None,
    unit: str = "epoch",
    floor: tuple[float, str] | None = None,
    mark: tuple[int, str] | None = None,
    erratic: Sequence[str] = (),
    log_scale: bool = False,
) -> Axes:
    """One pathology of the field guide (notebook 05): its loss curves, titled by its symptom.

    ``curves`` maps a label ("training", "validation") to per-epoch (or per-step, with
    ``unit="step"``) losses; a NaN or infinite value ends its line. ``floor`` draws a
    dashed horizontal line, ``(value, label)``, such as the lowest loss noisy labels
    allow; ``mark`` a dotted vertical line at an epoch, ``(epoch, label)``. The alt text
    tells each curve's course from the data; a label in ``erratic`` (a run whose values
    depend on the last bits of the arithmetic) is described without its values.

    Examples
    --------
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
