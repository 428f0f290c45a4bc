"""Lesson 01's own figures: the losses drawn as functions, and optimizers compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from lesson_pkg import losses, validation
from lesson_pkg.plots.comparisons import _tail_mean
from lesson_pkg.plots.curves import _epochs
from lesson_pkg.plots.descriptions import _column_name, _number, describe
from lesson_pkg.plots.style import (
    LINESTYLES,
    PALETTE,
    _axes,
    _epoch_axis,
    _legend_outside,
    _nth_style,
    _series_style,
)

if TYPE_CHECKING:
    from lesson_pkg.history import History

__all__ = ["plot_loss_functions", "plot_optimizer_comparison"]


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
    zero_one = (margin <= 0).float()
    zero_one[int((margin <= 0).sum())] = float("nan")  # a gap at the jump, not a steep line
    curves = {
        "binary cross-entropy (logistic)": logistic,
        "hinge": hinge,
        "0-1 loss (1 - accuracy)": zero_one,
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
    >>> from lesson_pkg.plots import alt_text
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
    names = _optimizer_names(histories, best, last)
    fig, (sweep_ax, curve_ax) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    parts = []
    for index, name in enumerate(names):
        runs = {rate: run for (run_name, rate), run in histories.items() if run_name == name}
        wild = {rate for run_name, rate in erratic if run_name == name}
        parts.append(
            _draw_optimizer(
                (sweep_ax, curve_ax), name, runs, best[name], _nth_style(index), column, last, wild
            )
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
    if erratic:
        _erratic_band(sweep_ax)
    sweep_ax.plot([], [], "o", ms=11, mfc="none", color="0.3", label="a ring: the best rate")
    sweep_ax.set_xlabel("learning rate (log scale)")
    sweep_ax.set_ylabel(_two_lines(f"{name}, {end} (log scale)"))
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


def _two_lines(label: str) -> str:
    """``label`` broken at the space nearest its middle, to fit beside a narrow panel."""
    spaces = [i for i, char in enumerate(label) if char == " "]
    if not spaces:
        return label
    cut = min(spaces, key=lambda i: abs(2 * i - len(label)))
    return f"{label[:cut]}\n{label[cut + 1 :]}"


def _optimizer_names(
    histories: Mapping[tuple[str, float], History], best: Mapping[str, float], last: int
) -> list[str]:
    """The optimizers' names, in the order first run; raises if one has no best run."""
    if not histories:
        raise ValueError("histories is empty: give at least one {(name, lr): History}")
    names = list(dict.fromkeys(name for name, _ in histories))
    missing = [name for name in names if (name, best.get(name)) not in histories]
    if missing:
        raise ValueError(f"best must name a learning rate that was run for {missing}")
    validation.check_int(last, "last", minimum=1)
    return names


def _draw_optimizer(
    axes: tuple[Axes, Axes],
    name: str,
    runs: Mapping[float, History],
    best_rate: float,
    style: dict,
    column: str,
    last: int,
    erratic: set[float],
) -> str:
    """One optimizer's line on the sweep and its best run's curve; its alt text part.

    ``runs`` maps each learning rate to its history; the rates in ``erratic`` get a cross
    in the band above the values instead of a point on the line.
    """
    sweep_ax, curve_ax = axes
    rates = sorted(runs)
    finals = [_tail_mean(runs[rate].column(column), last) for rate in rates]
    kept = [(r, f) for r, f in zip(rates, finals, strict=True) if r not in erratic]
    sweep_ax.plot(*zip(*kept, strict=True), **style, label=name)
    wild = [rate for rate in rates if rate in erratic]
    if wild:
        _cross_erratic(sweep_ax, name, wild)
    chosen = runs[best_rate]
    chosen_end = _tail_mean(chosen.column(column), last)
    sweep_ax.plot(best_rate, chosen_end, "o", ms=11, mfc="none", color=style["color"])
    epochs = _epochs(chosen)
    curve_ax.plot(
        epochs,
        chosen.column(column),
        **_series_style(style, epochs),
        label=f"{name}, lr = {best_rate:g}",
    )
    listed = ", ".join(
        f"{'erratic (a cross)' if rate in erratic else _number(final)} at {rate:g}"
        for rate, final in zip(rates, finals, strict=True)
    )
    window = chosen.column(column)[-last:]
    spread = f" (from {_number(min(window))} to {_number(max(window))})" if last > 1 else ""
    return (
        f"{name} ends at {listed}; its best rate {best_rate:g} "
        f"ends at {_number(chosen_end)}{spread}"
    )


def _cross_erratic(sweep_ax: Axes, name: str, rates: Sequence[float]) -> None:
    """A cross at each erratic run's rate, in the band above the values, named."""
    crossed = any(line.get_label() == _ERRATIC_LABEL for line in sweep_ax.lines)
    sweep_ax.plot(
        rates,
        [_ERRATIC_BAND] * len(rates),
        "x",
        ms=12,
        mew=2,
        color="#000000",
        transform=sweep_ax.get_xaxis_transform(),
        label="_erratic" if crossed else _ERRATIC_LABEL,
    )
    for rate in rates:
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


def _erratic_band(sweep_ax: Axes) -> None:
    """Room above the settled values for the band of crosses: grey, without loss ticks."""
    low, high = sweep_ax.get_ylim()
    floor = 2 * _ERRATIC_BAND - 1  # the band's lower edge, as a fraction of the axes
    top = low * (high / low) ** (1 / floor)
    sweep_ax.set_ylim(low, top)
    edge = low * (top / low) ** floor
    sweep_ax.axhspan(edge, top, color="0.92", zorder=0)
    for minor in (False, True):  # no loss scale in the band: its crosses have no value
        ticks = sweep_ax.yaxis.get_ticklocs(minor=minor)
        sweep_ax.set_yticks([tick for tick in ticks if low <= tick <= edge], minor=minor)
