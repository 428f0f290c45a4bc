"""The course's pictures: loss curves, loss functions, decision boundaries, confusion matrices.

Every function draws on ``ax`` when given one (so that plots can share a figure) and on a
new figure otherwise, and returns the axes it drew on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from lesson_pkg import losses, validation

if TYPE_CHECKING:
    from lesson_pkg.training import History

__all__ = [
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_loss_and_accuracy",
    "plot_loss_curves",
    "plot_loss_functions",
    "plot_runs",
]

TRAIN_COLOR, VAL_COLOR = "tab:blue", "tab:orange"
MARKED_EPOCHS = 40
"""Curves of at most this many epochs get a marker per epoch; longer ones are plain lines."""


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6, 4)) -> Axes:
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


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


def _style(marker: str, epochs: Sequence[int]) -> str:
    """``marker`` joined by lines, or a plain line for long runs."""
    return f"{marker}-" if len(epochs) <= MARKED_EPOCHS else "-"


def _check_history(history: History) -> None:
    if not history.rows:
        raise ValueError("the history is empty: train for at least one epoch before plotting")


def _plot_epoch_losses(ax: Axes, history: History, train_label: str) -> list:
    """The per-epoch training (and validation) loss on ``ax``; returns the lines drawn."""
    epochs = history.column("epoch")
    lines = ax.plot(
        epochs,
        history.column("train_loss"),
        _style("o", epochs),
        color=TRAIN_COLOR,
        label=train_label,
    )
    if "val_loss" in history.columns:
        lines += ax.plot(
            epochs,
            history.column("val_loss"),
            _style("s", epochs),
            color=VAL_COLOR,
            label="validation loss",
        )
    _epoch_axis(ax)
    ax.set_ylabel("loss")
    return lines


def plot_loss_curves(history: History, ax: Axes | None = None, per_step: bool = True) -> Axes:
    """Training loss per step and per epoch, and validation loss per epoch, on one chart.

    The x axis counts epochs: step ``i`` of an epoch with ``S`` steps sits at ``i / S``
    past the epoch's start, so the jagged per-step curve and the smooth per-epoch means
    line up. Each epoch's mean is drawn at the epoch's end, where validation happens.
    """
    _check_history(history)
    ax = _axes(ax)
    if per_step and history.step_losses and history.steps_per_epoch:
        steps = np.arange(1, len(history.step_losses) + 1) / history.steps_per_epoch
        ax.plot(
            steps,
            history.step_losses,
            color=TRAIN_COLOR,
            alpha=0.3,
            lw=1,
            label="train loss per step",
        )
    _plot_epoch_losses(ax, history, train_label="train loss (epoch mean)")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_loss_and_accuracy(history: History, ax: Axes | None = None) -> Axes:
    """Loss on the left axis, the first metric (usually accuracy) on the right, per epoch.

    Solid lines are the loss, dashed lines the metric; blue is training, orange
    validation. Returns the loss axes (the metric axes is ``ax.right_ax``).
    """
    _check_history(history)
    ax = _axes(ax)
    epochs = history.column("epoch")
    handles = _plot_epoch_losses(ax, history, train_label="train loss")
    metric = _metric_column(history)
    if metric is not None:
        name = metric.removeprefix("val_").removeprefix("train_")
        right = ax.twinx()
        for split, color, marker in (("train", TRAIN_COLOR, "o"), ("val", VAL_COLOR, "s")):
            column = f"{split}_{name}"
            if column in history.columns:
                label = f"{'validation' if split == 'val' else 'train'} {name}"
                handles += right.plot(
                    epochs,
                    history.column(column),
                    _style(marker, epochs) + "-",
                    color=color,
                    label=label,
                )
        right.set_ylabel(name)
        ax.set_zorder(right.get_zorder() + 1)  # the loss axes and its legend over the twin
        ax.patch.set_visible(False)
        ax.right_ax = right
    ax.legend(handles=handles, loc="center right")
    ax.grid(alpha=0.3)
    return ax


def plot_runs(
    histories: Mapping[str, History],
    column: str = "train_loss",
    ax: Axes | None = None,
    log_scale: bool = False,
) -> Axes:
    """One curve of ``column`` per run, for comparing runs (learning rates, optimizers).

    ``histories`` maps a label (such as ``"lr=0.1"``) to a run's history. A run that
    diverged ends where it stopped.
    """
    if not histories:
        raise ValueError("histories is empty: give at least one {label: History}")
    ax = _axes(ax)
    for label, history in histories.items():
        _check_history(history)
        epochs = history.column("epoch")
        ax.plot(epochs, history.column(column), _style("o", epochs), label=label)
    _epoch_axis(ax)
    ax.set_ylabel(column.replace("_", " "))
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_loss_functions(kind: str = "regression", ax: Axes | None = None) -> Axes:
    """The losses of the course drawn as functions of one prediction.

    ``kind="regression"``: MSE, MAE and Huber against the error ``prediction - target``.
    ``kind="classification"``: for a label ``y`` in {-1, +1} and a score ``z``, against
    the margin ``y * z``: the logistic (binary cross-entropy) loss, the hinge loss, and
    the 0-1 loss that accuracy counts, flat with a jump at 0.
    """
    ax = _axes(ax)
    if kind == "regression":
        error = torch.linspace(-3, 3, 301)
        zero = torch.zeros_like(error)
        curves = {
            "MSE  e²": losses.mse_loss(error, zero, reduction="none"),
            "MAE  |e|": losses.mae_loss(error, zero, reduction="none"),
            "Huber (δ = 1)": losses.huber_loss(error, zero, reduction="none"),
        }
        ax.set_xlabel("error  e = prediction - target")
    elif kind == "classification":
        margin = torch.linspace(-3, 3, 301)
        ones = torch.ones_like(margin)
        curves = {
            "binary cross-entropy (logistic)": losses.binary_cross_entropy_with_logits(
                margin, ones, reduction="none"
            ),
            "hinge": losses.hinge_loss(margin, ones, reduction="none"),
            "0-1 loss (1 - accuracy)": (margin <= 0).float(),
        }
        error = margin
        ax.set_xlabel("margin  y · z  (positive: the right side)")
    else:
        raise ValueError(f"kind must be 'regression' or 'classification', got {kind!r}")
    for label, values in curves.items():
        ax.plot(error.numpy(), values.numpy(), label=label, lw=2)
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


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
    classes (positive when the logit is above 0).
    """
    features = validation.as_float_tensor(features, "features")
    labels = validation.as_label_tensor(labels, "labels")
    if features.dim() != 2 or features.shape[1] != 2:
        raise ValueError(f"features must have shape (N, 2), got {tuple(features.shape)}")
    validation.check_int(resolution, "resolution", minimum=2)
    ax = _axes(ax, figsize=(5, 5))
    low, high = features.min(0).values - 0.5, features.max(0).values + 0.5
    xs = torch.linspace(float(low[0]), float(high[0]), resolution)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    grid = torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1).to(features.dtype)
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        outputs = model(grid.to(device)).cpu()
    model.train(was_training)
    outputs = outputs.reshape(len(grid), -1)
    predicted = outputs.argmax(1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0).long()
    n_classes = int(max(labels.max().item(), predicted.max().item())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(
        grid_x.numpy(),
        grid_y.numpy(),
        predicted.reshape(grid_x.shape).numpy(),
        levels=levels,
        cmap="tab10",
        vmin=0,
        vmax=9,
        alpha=0.25,
    )
    scatter = ax.scatter(
        features[:, 0].numpy(),
        features[:, 1].numpy(),
        c=labels.numpy(),
        cmap="tab10",
        vmin=0,
        vmax=9,
        s=12,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.legend(*scatter.legend_elements(), title="class", loc="best")
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    return ax


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
    ax.imshow(values, cmap="Blues")
    threshold = values.max() / 2 if values.size else 0
    for row in range(n_classes):
        for column in range(n_classes):
            ax.text(
                column,
                row,
                f"{values[row, column]:g}",
                ha="center",
                va="center",
                color="white" if values[row, column] > threshold else "black",
            )
    ax.set_xticks(range(n_classes), names)
    ax.set_yticks(range(n_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return ax
