"""Loss functions, written from tensor operations so that each formula can be read.

A loss turns a batch of predictions and targets into one number that says how wrong the
predictions are; training lowers it by gradient descent. Each function here has the same
arguments, defaults, shapes and results as the ``torch.nn.functional`` function named in
its docstring, and is differentiable: ``loss.backward()`` gives the same gradients.
Where torch silently broadcasts or casts, these functions raise an error instead.

One module per family:

- :mod:`~lesson_pkg.losses.regression`: ``mse_loss``, ``mae_loss``, ``huber_loss``;
- :mod:`~lesson_pkg.losses.probabilities`: ``binary_cross_entropy``,
  ``binary_cross_entropy_with_logits``, ``log_softmax``, ``nll_loss``, ``cross_entropy``;
- :mod:`~lesson_pkg.losses.margins`: ``hinge_loss``, ``multi_margin_loss``.

Shapes: N is the batch size, C the number of classes, d1, ..., dk optional extra
dimensions (the pixels of an image, the positions of a sequence).

Every loss takes ``reduction``: "mean" (the default) averages the per-element losses,
"sum" adds them up, "none" returns them all. It is read and checked in one place,
:func:`lesson_pkg.losses._reduction.get_enum`, which every loss calls.

Examples
--------
>>> from lesson_pkg.losses import mse_loss
>>> mse_loss([3.0], [2.0])
tensor(1.)
"""

from lesson_pkg.losses.margins import hinge_loss, multi_margin_loss
from lesson_pkg.losses.probabilities import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    nll_loss,
)
from lesson_pkg.losses.regression import huber_loss, mae_loss, mse_loss

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "huber_loss",
    "log_softmax",
    "mae_loss",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
]
