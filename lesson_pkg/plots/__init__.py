"""The course's pictures: loss curves, loss functions, confusion matrices, each with alt text.

Every function draws on ``ax`` when given one (so that plots can share a figure) and on a
new figure otherwise, and returns the axes it drew on. One module per concern:

- :mod:`~lesson_pkg.plots.style`: the colour-blind-safe palette, a line style and a marker
  per series, :func:`use_style` for figures drawn by hand;
- :mod:`~lesson_pkg.plots.descriptions`: alt text, :func:`describe` and :func:`alt_text`,
  and :func:`register_alt_text`, which puts it in a notebook's output;
- :mod:`~lesson_pkg.plots.curves`: a training run's curves (:func:`plot_loss_curves`,
  :func:`plot_loss_and_accuracy`, :func:`plot_runs`, :func:`plot_learning_rate_regimes`);
- :mod:`~lesson_pkg.plots.comparisons`: :func:`plot_confusion_matrix`,
  :func:`plot_columns`, :func:`plot_sweep`;
- the lessons' own figures: :mod:`~lesson_pkg.plots.loss_functions` (01),
  :mod:`~lesson_pkg.plots.learning_rates` (02), :mod:`~lesson_pkg.plots.calibration` (03),
  :mod:`~lesson_pkg.plots.capstone` (04's marks), :mod:`~lesson_pkg.plots.symptoms` (05).

Every figure is made to be read by everyone:

- **It describes itself.** Each function stores alt text computed from the data, a
  sentence that says what the chart shows and its point; inside a Jupyter kernel the
  figure displayed carries it (see :mod:`~lesson_pkg.plots.descriptions`).
- **Colour is never the only cue.** Series take colours from the Okabe-Ito palette and
  each series also has its own line style and marker. Text is black on white (21:1), or
  black or white on coloured cells, whichever contrasts more (at least 4.5:1).

Examples
--------
>>> from lesson_pkg.history import History
>>> from lesson_pkg.plots import alt_text, plot_loss_curves
>>> run = History(rows=[{"epoch": 1, "train_loss": 0.6}, {"epoch": 2, "train_loss": 0.3}])
>>> alt_text(plot_loss_curves(run))
'Line chart of loss per epoch: training loss falls from 0.60 to 0.30 over 2 epochs.'
"""

from lesson_pkg.plots.calibration import plot_precision_recall, plot_reliability_diagram
from lesson_pkg.plots.capstone import mark_below_scale, mark_best_accuracy, mark_ratios
from lesson_pkg.plots.comparisons import plot_columns, plot_confusion_matrix, plot_sweep
from lesson_pkg.plots.curves import (
    plot_learning_rate_regimes,
    plot_loss_and_accuracy,
    plot_loss_curves,
    plot_runs,
)
from lesson_pkg.plots.descriptions import alt_text, describe, register_alt_text
from lesson_pkg.plots.learning_rates import (
    plot_batch_size_noise,
    plot_range_test,
    plot_recorded_above_validation,
    plot_stability_sweep,
    steepest_fall,
)
from lesson_pkg.plots.loss_functions import plot_loss_functions, plot_optimizer_comparison
from lesson_pkg.plots.style import LINESTYLES, MARKERS, PALETTE, STYLE, use_style
from lesson_pkg.plots.symptoms import plot_symptom

__all__ = [
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "STYLE",
    "alt_text",
    "describe",
    "mark_below_scale",
    "mark_best_accuracy",
    "mark_ratios",
    "plot_batch_size_noise",
    "plot_columns",
    "plot_confusion_matrix",
    "plot_learning_rate_regimes",
    "plot_loss_and_accuracy",
    "plot_loss_curves",
    "plot_loss_functions",
    "plot_optimizer_comparison",
    "plot_precision_recall",
    "plot_range_test",
    "plot_recorded_above_validation",
    "plot_reliability_diagram",
    "plot_runs",
    "plot_stability_sweep",
    "plot_sweep",
    "plot_symptom",
    "register_alt_text",
    "steepest_fall",
    "use_style",
]
