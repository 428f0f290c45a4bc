"""Loss, Epochs & Accuracy: the companion package of the course.

One module per topic, each imported on first use so that ``import lesson_pkg`` stays
as fast as ``import torch``:

- :mod:`lesson_pkg.losses`: loss functions written from tensor operations;
- :mod:`lesson_pkg.metrics`: accuracy, precision, recall, F1 and the confusion matrix;
- :mod:`lesson_pkg.training`: the training loop, ``fit`` and early stopping;
- :mod:`lesson_pkg.history`: ``History``, the record of a run that ``fit`` returns;
- :mod:`lesson_pkg.data`: seeded, download-free data sets and loaders;
- :mod:`lesson_pkg.plots`: loss curves, loss functions, confusion matrices, each with
  alt text and a colour-blind-safe palette;
- :mod:`lesson_pkg.progress`: progress bars and live curves, in a notebook or a terminal;
- :mod:`lesson_pkg.widgets`: interactive explorers for the notebooks;
- :mod:`lesson_pkg.checks`: ``check(my_function)`` and the set-up report;
- :mod:`lesson_pkg.validation`: the argument checks every public function shares.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "checks",
    "data",
    "history",
    "losses",
    "metrics",
    "plots",
    "progress",
    "training",
    "validation",
    "widgets",
)


def __getattr__(name: str):
    """Import a submodule the first time it is used: ``lesson_pkg.losses.mse_loss``."""
    if name in _SUBMODULES:
        return importlib.import_module(f"lesson_pkg.{name}")
    raise AttributeError(f"module 'lesson_pkg' has no attribute {name!r}")
