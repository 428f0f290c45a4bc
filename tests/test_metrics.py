"""The reference metrics against ``sklearn.metrics`` on generated inputs and classic examples."""

import numpy as np
import pytest
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
