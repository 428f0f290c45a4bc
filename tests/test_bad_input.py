"""Every public function rejects bad input with a message that says what was expected.

Nothing is broadcast, clipped or cast silently: each case below is one a learner makes,
and each must raise ``ValueError`` or ``TypeError`` naming what was received.
"""

import numpy as np
import pytest
import torch

from lesson_pkg import losses, metrics, plots

CASES = {
    "shapes (4, 1) vs (4,) are not broadcast": (
        lambda: losses.mse_loss(torch.zeros(4, 1), torch.zeros(4)),
        ValueError,
        "(4, 1) and (4,)",
    ),
    "unknown reduction": (
        lambda: losses.mae_loss(torch.zeros(2), torch.zeros(2), reduction="average"),
        ValueError,
        "'average'",
    ),
    "reduction is not a string": (
        lambda: losses.huber_loss(torch.zeros(2), torch.zeros(2), reduction=None),
        TypeError,
        "NoneType",
    ),
    "integer predictions for a regression loss": (
        lambda: losses.mse_loss([3, 1], [2.0, 1.0]),
        TypeError,
        "torch.int64",
    ),
    "float32 against float64 is not cast": (
        lambda: losses.mse_loss(torch.zeros(2), torch.zeros(2, dtype=torch.float64)),
        TypeError,
        "torch.float32 and torch.float64",
    ),
    "a string is not a tensor": (
        lambda: losses.mse_loss("0.5", [1.0]),
        TypeError,
        "str",
    ),
    "a ragged list": (
        lambda: losses.mse_loss([[1.0, 2.0], [3.0]], [1.0]),
        ValueError,
        "could not be turned into a tensor",
    ),
    "huber delta must be positive": (
        lambda: losses.huber_loss(torch.zeros(2), torch.zeros(2), delta=0.0),
        ValueError,
        "delta",
    ),
    "probabilities above 1 for binary cross-entropy": (
        lambda: losses.binary_cross_entropy(torch.tensor([1.5, 0.5]), torch.tensor([1.0, 0.0])),
        ValueError,
        "1.5",
    ),
    "logits passed to binary cross-entropy": (
        lambda: losses.binary_cross_entropy(torch.tensor([-2.0, 3.0]), torch.tensor([1.0, 0.0])),
        ValueError,
        "[0.0, 1.0]",
    ),
    "binary targets outside [0, 1]": (
        lambda: losses.binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([-1.0, 1.0])),
        ValueError,
        "target",
    ),
    "weight that does not broadcast": (
        lambda: losses.binary_cross_entropy(
            torch.full((2, 3), 0.5), torch.ones(2, 3), weight=torch.ones(2)
        ),
        ValueError,
        "(2,)",
    ),
    "hinge targets must be -1 or +1": (
        lambda: losses.hinge_loss(torch.zeros(3), torch.tensor([0, 1, 1])),
        ValueError,
        "2 * target - 1",
    ),
    "soft hinge labels are not -1 or +1": (
        lambda: losses.hinge_loss(torch.zeros(2), torch.tensor([0.5, -1.0])),
        ValueError,
        "[-1.0, 0.5]",
    ),
    "binary cross-entropy targets above 1": (
        lambda: losses.binary_cross_entropy(torch.full((2,), 0.5), torch.tensor([2.0, 0.0])),
        ValueError,
        "target must lie in [0.0, 1.0]",
    ),
    "class target out of range": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3])),
        ValueError,
        "got 3",
    ),
    "negative class target": (
        lambda: losses.nll_loss(torch.zeros(2, 3), torch.tensor([-1, 0])),
        ValueError,
        "got -1",
    ),
    "float class indices": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0.0, 1.0])),
        ValueError,
        "class-index targets must be integers",
    ),
    "int32 class indices": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1], dtype=torch.int32)),
        TypeError,
        ".long()",
    ),
    "target with the wrong batch size": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1, 2])),
        ValueError,
        "(2,)",
    ),
    "class weight of the wrong length": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=torch.ones(2)),
        ValueError,
        "(3,)",
    ),
    "label smoothing above 1": (
        lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), label_smoothing=1.5),
        ValueError,
        "label_smoothing",
    ),
    "0-d logits have no class dimension": (
        lambda: losses.cross_entropy(torch.tensor(1.0), torch.tensor(0)),
        ValueError,
        "class dimension",
    ),
    "multi-margin p other than 1 or 2": (
        lambda: losses.multi_margin_loss(torch.zeros(2, 3), torch.tensor([0, 1]), p=3),
        ValueError,
        "p must be 1 or 2",
    ),
    "metrics: mismatched batch sizes": (
        lambda: metrics.accuracy([1, 0, 2], [1, 0]),
        ValueError,
        "3 predictions and 2 targets",
    ),
    "metrics: negative labels": (
        lambda: metrics.accuracy([1, 0], [1, -1]),
        ValueError,
        "negative label -1",
    ),
    "metrics: float targets": (
        lambda: metrics.accuracy([1, 0], [1.0, 0.0]),
        TypeError,
        "integer class labels",
    ),
    "metrics: probabilities of shape (N,) passed to accuracy": (
        lambda: metrics.accuracy(torch.tensor([0.9, 0.2]), [1, 0]),
        TypeError,
        "binary_accuracy",
    ),
    "metrics: empty batch": (
        lambda: metrics.accuracy(
            torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
        ),
        ValueError,
        "empty",
    ),
    "binary accuracy: logits with the probability threshold": (
        lambda: metrics.binary_accuracy(torch.tensor([2.0, -1.0]), [1, 0]),
        ValueError,
        "threshold=0.0",
    ),
    "binary accuracy: labels other than 0/1": (
        lambda: metrics.binary_accuracy(torch.tensor([0.2, 0.7]), [1, 2]),
        ValueError,
        "0 and 1",
    ),
    "top-k: k larger than the number of classes": (
        lambda: metrics.top_k_accuracy(torch.zeros(2, 3), [0, 1], k=4),
        ValueError,
        "at most the number of classes 3",
    ),
    "top-k: k not an integer": (
        lambda: metrics.top_k_accuracy(torch.zeros(2, 3), [0, 1], k=1.5),
        TypeError,
        "k must be an integer",
    ),
    "confusion matrix: label beyond num_classes": (
        lambda: metrics.confusion_matrix([0, 3], [0, 1], num_classes=3),
        ValueError,
        "got 3",
    ),
    "range test: a smoothed loss without its rate": (
        lambda: plots.steepest_fall([0.01, 0.02], [0.8, 0.7, 0.6]),
        ValueError,
        "got 2 rates, 3 smoothed losses",
    ),
    "range test: rates that do not rise": (
        lambda: plots.steepest_fall([0.01, 0.04, 0.02], [0.8, 0.7, 0.6]),
        ValueError,
        "rates must rise",
    ),
    "numpy object arrays": (
        lambda: metrics.accuracy(np.array(["a", "b"], dtype=object), [0, 1]),
        ValueError,
        "could not be turned into a tensor",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_raises_a_clear_error(case):
    call, error_type, fragment = CASES[case]
    with pytest.raises(error_type) as raised:
        call()
    assert fragment in str(raised.value)
