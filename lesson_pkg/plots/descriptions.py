"""Alt text: every figure describes itself, in a sentence computed from its data.

Each plotting function stores alt text on the axes it draws (:func:`describe`, which a
figure drawn by hand can call too); :func:`alt_text` reads it back, or summarises an
axes from its title, labels and lines. :func:`register_alt_text` makes every matplotlib
figure displayed in an IPython kernel carry that text in its output's metadata,
``{"image/png": {"alt": text}}``, which nbconvert's HTML writes into ``<img alt="...">``
(its ``classic`` template; the ``lab`` template and JupyterLab 4 do not read it yet).
:func:`describe` and :func:`~lesson_pkg.plots.style.use_style` call it, so a lesson that
draws gets it; importing the package registers nothing. The inline backend's default PNG
keeps the metadata; its ``retina`` format replaces the image metadata and drops it.
"""

from __future__ import annotations

import math
import sys
import weakref
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["alt_text", "describe", "register_alt_text"]


_descriptions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def describe(target: Axes | Figure, text: str) -> Axes | Figure:
    """Give a chart (one axes) or a whole figure its alt text; returns ``target``.

    The text should say what the chart shows and its point, with the numbers that make
    it, for someone who cannot see it: "Line chart of loss per epoch: training loss falls
    from 0.63 to 0.21 over 40 epochs; validation loss is lowest at epoch 16 (0.29), then
    rises to 0.41." Write it from the data with an f-string, so it stays true.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
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
    register_alt_text()  # so that the figure, once displayed, carries the text
    return target


def alt_text(target: Figure | Axes) -> str:
    """The alt text of a figure (or of one axes), as displayed in a notebook.

    A figure's own text if :func:`describe` gave it one; otherwise the texts of its axes
    in order, where an axes without one is summarised from its title, labels and lines.
    One line: a title's line break becomes a space (a screen reader reads no layout).
    """
    if target in _descriptions:
        text = _descriptions[target]
    elif isinstance(target, Axes):
        text = _summary(target)
    else:
        parts = [_descriptions.get(ax) or _summary(ax) for ax in target.axes if _has_content(ax)]
        text = " ".join(parts) if parts else "An empty figure."
    return " ".join(text.split())


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


def register_alt_text() -> None:
    """Inside IPython, attach :func:`alt_text` to every matplotlib figure displayed.

    IPython builds a figure's output from its formatters; this one adds only metadata,
    ``{"image/png": {"alt": ...}}``, and leaves the PNG to the inline backend, so the
    backend's settings (size, resolution) still apply. Outside IPython it does nothing;
    calling it again changes nothing.
    """
    ipython = sys.modules.get("IPython")  # loaded in every kernel; never imported here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_metadata)


def _alt_text_metadata(figure: Figure) -> tuple[dict, dict]:
    return {}, {"image/png": {"alt": alt_text(figure)}}


def _column_name(column: str) -> str:
    """A column's name in words: "val_loss" -> "validation loss"."""
    split, _, name = column.partition("_")
    words = {"train": "training", "val": "validation"}
    return (
        f"{words[split]} {name.replace('_', ' ')}" if split in words else column.replace("_", " ")
    )
