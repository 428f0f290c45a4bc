"""The reference metrics against ``sklearn.metrics`` on generated inputs and classic examples."""

import re
import warnings

import numpy as np
import pytest
import sklearn.exceptions
import sklearn.metrics
import torch
from hypothesis import given
from hypothesis import strategies as st

from lesson_pkg import metrics


@st.composite
def labelled_batches(draw):
    """True labels (N,) and untied scores (N, C): each row is a permutation of 0..C-1."""
    classes = draw(st.integers(2, 6))
    size = draw(st.integers(1, 30))
    target = draw(st.lists(st.integers(0, classes - 1), min_size=size, max_size=size))
    rows = draw(
        st.lists(st.permutations(range(classes)), min_size=size, max_size=size),
    )
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return torch.tensor(rows, dtype=dtype), torch.tensor(target), classes


def test_classic_accuracy_example_is_75_percent():
    assert metrics.accuracy([1, 0, 2, 1], [1, 0, 2, 0]) == 0.75
    assert isinstance(metrics.accuracy([1, 0, 2, 1], [1, 0, 2, 0]), float)


@given(batch=labelled_batches())
def test_accuracy_matches_sklearn_on_labels_and_on_scores(batch):
    scores, target, _ = batch
    predicted = scores.argmax(1)
    expected = sklearn.metrics.accuracy_score(target.numpy(), predicted.numpy())
    assert metrics.accuracy(predicted, target) == pytest.approx(expected, abs=0)
    assert metrics.accuracy(scores, target) == pytest.approx(expected, abs=0)
    assert metrics.accuracy(predicted.numpy(), target.tolist()) == pytest.approx(expected, abs=0)


@given(batch=labelled_batches(), k=st.integers(1, 5))
def test_top_k_accuracy_matches_sklearn(batch, k):
    scores, target, classes = batch
    k = min(k, classes - 1)  # sklearn warns that k >= C is meaningless (always 1.0)
    # sklearn takes binary scores as one column, the score of class 1
    sklearn_scores = scores[:, 1] if classes == 2 else scores
    expected = sklearn.metrics.top_k_accuracy_score(
        target.numpy(), sklearn_scores.numpy(), k=k, labels=list(range(classes))
    )
    assert metrics.top_k_accuracy(scores, target, k=k) == pytest.approx(expected, abs=1e-12)
    assert metrics.top_k_accuracy(scores, target, k=classes) == 1.0


@given(batch=labelled_batches())
def test_confusion_matrix_matches_sklearn(batch):
    scores, target, classes = batch
    predicted = scores.argmax(1)
    expected = sklearn.metrics.confusion_matrix(
        target.numpy(), predicted.numpy(), labels=list(range(classes))
    )
    ours = metrics.confusion_matrix(scores, target)
    assert ours.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), expected)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(predicted, target, num_classes=classes).numpy(), expected
    )
    assert ours.trace().item() / ours.sum().item() == pytest.approx(
        metrics.accuracy(scores, target), abs=1e-12
    )


def test_confusion_matrix_rows_are_true_classes():
    # two samples of true class 0, one predicted 1: the mistake is at row 0, column 1
    matrix = metrics.confusion_matrix([0, 1], [0, 0])
    assert matrix.tolist() == [[1, 1], [0, 0]]


@given(
    probabilities=st.lists(st.floats(0.0, 1.0, width=32), min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
    threshold=st.sampled_from([0.5, 0.3, 0.9]),
)
def test_binary_accuracy_matches_sklearn_on_thresholded_probabilities(
    probabilities, seed, threshold
):
    target = np.random.default_rng(seed).integers(0, 2, size=len(probabilities))
    probabilities = np.array(probabilities, dtype=np.float32)
    expected = sklearn.metrics.accuracy_score(target, (probabilities > threshold).astype(int))
    ours = metrics.binary_accuracy(torch.from_numpy(probabilities), target, threshold=threshold)
    assert ours == pytest.approx(expected, abs=1e-12)


def test_binary_accuracy_on_logits_uses_threshold_zero():
    logits = torch.tensor([2.0, -1.0, 0.5, -3.0])
    target = torch.tensor([1.0, 0.0, 0.0, 0.0])
    assert metrics.binary_accuracy(logits, target, threshold=0.0) == 0.75
    assert metrics.binary_accuracy(torch.sigmoid(logits), target) == 0.75


def test_majority_class_predictor_scores_95_percent_on_a_95_5_split():
    target = torch.tensor([0] * 95 + [1] * 5)
    always_zero = torch.zeros(100, dtype=torch.long)
    assert metrics.accuracy(always_zero, target) == 0.95
    assert metrics.confusion_matrix(always_zero, target).tolist() == [[95, 0], [5, 0]]


SCORES_BY_NAME = {
    "precision": (metrics.precision, sklearn.metrics.precision_score),
    "recall": (metrics.recall, sklearn.metrics.recall_score),
    "f1_score": (metrics.f1_score, sklearn.metrics.f1_score),
}
ZERO_DIVISIONS = [0.0, 1.0, float("nan")]


def _same(ours, expected):
    """Equal to sklearn to the last bits, NaN included."""
    if np.isnan(expected):
        return np.isnan(ours)
    return ours == pytest.approx(expected, rel=1e-12, abs=1e-15)


def _sklearn(name, target, predicted, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sklearn.exceptions.UndefinedMetricWarning)
        return SCORES_BY_NAME[name][1](target, predicted, **options)


def test_precision_recall_f1_of_the_rare_class_by_hand():
    # 8 samples, 2 positives; predicted positives at 4, 5, 6: TP 1, FP 2, FN 1
    target = [0, 0, 0, 0, 0, 0, 1, 1]
    predicted = [0, 0, 0, 0, 1, 1, 1, 0]
    assert metrics.precision(predicted, target) == 1 / 3
    assert metrics.recall(predicted, target) == 1 / 2
    assert metrics.f1_score(predicted, target) == 2 * 1 / (2 * 1 + 2 + 1)
    assert metrics.accuracy(predicted, target) == 5 / 8
    # the positive class is a choice: class 0 has TP 4, FP 1, FN 2
    assert metrics.precision(predicted, target, pos_label=0) == 4 / 5
    assert metrics.recall(predicted, target, pos_label=0) == 4 / 6


def test_the_majority_class_predictor_has_zero_recall_and_zero_division_precision():
    target = torch.tensor([0] * 95 + [1] * 5)
    always_zero = torch.zeros(100, dtype=torch.long)
    assert metrics.recall(always_zero, target) == 0.0
    assert metrics.precision(always_zero, target) == 0.0  # 0 / 0, as sklearn's default
    assert metrics.precision(always_zero, target, zero_division=1.0) == 1.0
    assert np.isnan(metrics.precision(always_zero, target, zero_division=float("nan")))
    assert metrics.f1_score(always_zero, target) == 0.0
    # macro: class 0 has precision 0.95, class 1 the zero_division value
    assert metrics.precision(always_zero, target, average="macro") == 0.475
    assert (
        metrics.precision(always_zero, target, average="macro", zero_division=float("nan")) == 0.95
    )


@st.composite
def predictions_and_targets(draw, max_classes=6):
    """Predicted and true labels over C classes, some classes possibly absent from both."""
    classes = draw(st.integers(2, max_classes))
    size = draw(st.integers(1, 30))
    labels = st.lists(st.integers(0, classes - 1), min_size=size, max_size=size)
    return torch.tensor(draw(labels)), torch.tensor(draw(labels))


@pytest.mark.parametrize("name", sorted(SCORES_BY_NAME))
@given(
    batch=predictions_and_targets(),
    average=st.sampled_from(["macro", "weighted"]),
    zero_division=st.sampled_from(ZERO_DIVISIONS),
)
def test_multiclass_averages_match_sklearn(name, batch, average, zero_division):
    predicted, target = batch
    expected = _sklearn(
        name, target.numpy(), predicted.numpy(), average=average, zero_division=zero_division
    )
    ours = SCORES_BY_NAME[name][0](predicted, target, average=average, zero_division=zero_division)
    assert isinstance(ours, float)
    assert _same(ours, expected)


@pytest.mark.parametrize("name", sorted(SCORES_BY_NAME))
@given(
    batch=predictions_and_targets(max_classes=2),
    pos_label=st.sampled_from([0, 1]),
    zero_division=st.sampled_from(ZERO_DIVISIONS),
)
def test_binary_scores_match_sklearn(name, batch, pos_label, zero_division):
    predicted, target = batch
    expected = _sklearn(
        name, target.numpy(), predicted.numpy(), pos_label=pos_label, zero_division=zero_division
    )
    ours = SCORES_BY_NAME[name][0](
        predicted, target, pos_label=pos_label, zero_division=zero_division
    )
    assert _same(ours, expected)


@pytest.mark.parametrize("name", sorted(SCORES_BY_NAME))
@given(batch=labelled_batches(), average=st.sampled_from(["macro", "weighted"]))
def test_scores_are_read_as_their_argmax(name, batch, average):
    scores, target, _ = batch
    function = SCORES_BY_NAME[name][0]
    assert function(scores, target, average=average) == function(
        scores.argmax(1), target, average=average
    )


def test_binary_average_with_labels_other_than_0_and_1_follows_sklearn():
    predicted, target = [0, 2, 2, 0], [0, 2, 0, 0]
    assert metrics.precision(predicted, target, pos_label=2) == 0.5
    assert _sklearn("precision", target, predicted, pos_label=2) == 0.5
    # one class present only: the positive class is never seen, 0 / 0
    assert metrics.recall([2, 2], [2, 2]) == _sklearn("recall", [2, 2], [2, 2]) == 0.0


@pytest.mark.parametrize(
    ("options", "inputs", "error", "fragment"),
    [
        ({}, ([0, 1, 2], [0, 1, 1]), ValueError, "average='macro'"),
        ({"pos_label": 1}, ([0, 2], [2, 0]), ValueError, "pos_label=1 is not a label"),
        ({"average": "micro"}, ([0, 1], [0, 1]), ValueError, "average must be one of"),
        ({"average": None}, ([0, 1], [0, 1]), ValueError, "average must be one of"),
        ({"zero_division": "warn"}, ([0, 1], [0, 1]), TypeError, "zero_division"),
        ({"zero_division": 0.5}, ([0, 1], [0, 1]), ValueError, "0.0, 1.0 or float('nan')"),
        ({"pos_label": -1}, ([0, 1], [0, 1]), ValueError, "pos_label must be at least 0"),
        ({}, ([0, 1, 1], [0, 1]), ValueError, "3 predictions and 2 targets"),
    ],
)
@pytest.mark.parametrize("name", sorted(SCORES_BY_NAME))
def test_precision_recall_f1_reject_bad_arguments(name, options, inputs, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        SCORES_BY_NAME[name][0](*inputs, **options)
