"""The plots render off-screen (Agg) and contain the lines, labels and numbers they promise."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lesson_pkg import plots
from lesson_pkg.training import History


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(with_validation=True):
    rows = []
    for epoch in (1, 2, 3):
        row = {"epoch": epoch, "train_loss": 1.0 / epoch, "train_accuracy": 0.5 + 0.1 * epoch}
        if with_validation:
            row.update({"val_loss": 1.2 / epoch, "val_accuracy": 0.45 + 0.1 * epoch})
        rows.append({**row, "lr": 0.1, "seconds": 0.0})
    return History(rows=rows, step_losses=[1.5, 1.0, 0.8, 0.6, 0.5, 0.4], steps_per_epoch=2)


def _labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def test_loss_curves_show_steps_epochs_and_validation_on_an_epoch_axis():
    ax = plots.plot_loss_curves(_history())
    assert _labels(ax) == ["train loss per step", "train loss (epoch mean)", "validation loss"]
    step_line = ax.get_lines()[0]
    np.testing.assert_allclose(step_line.get_xdata(), [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), [1.2, 0.6, 0.4])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_loss_and_accuracy_use_twin_axes():
    ax = plots.plot_loss_and_accuracy(_history())
    assert _labels(ax) == ["train loss", "validation loss"]
    assert _labels(ax.right_ax) == ["train accuracy", "validation accuracy"]
    assert ax.right_ax.get_ylabel() == "accuracy"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "train loss",
        "validation loss",
        "train accuracy",
        "validation accuracy",
    ]


def test_history_plot_draws_on_a_given_axes():
    _, axes = plt.subplots(1, 2)
    returned = _history(with_validation=False).plot(ax=axes[1])
    assert returned is axes[1]
    assert _labels(axes[1]) == ["train loss"]


def test_runs_are_compared_one_line_each():
    runs = {"lr=0.01": _history(), "lr=0.1": _history()}
    ax = plots.plot_runs(runs, column="val_loss", log_scale=True)
    assert _labels(ax) == ["lr=0.01", "lr=0.1"]
    assert ax.get_yscale() == "log"


def test_loss_functions_are_drawn_against_the_error_and_the_margin():
    ax = plots.plot_loss_functions("regression")
    lines = {line.get_label(): line for line in ax.get_lines()}
    error = lines["MSE  e²"].get_xdata()
    np.testing.assert_allclose(lines["MSE  e²"].get_ydata(), error**2, rtol=1e-6)
    np.testing.assert_allclose(lines["MAE  |e|"].get_ydata(), np.abs(error), rtol=1e-6)
    ax = plots.plot_loss_functions("classification")
    lines = {line.get_label(): line for line in ax.get_lines()}
    margin = lines["hinge"].get_xdata()
    np.testing.assert_allclose(lines["hinge"].get_ydata(), np.maximum(0, 1 - margin), atol=1e-6)
    with pytest.raises(ValueError, match="regression"):
        plots.plot_loss_functions("ranking")


def test_decision_boundary_colours_each_region_by_the_predicted_class():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():  # class 1 wherever x > 0
        model.weight.copy_(torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))
        model.bias.zero_()
    features = torch.tensor([[-1.0, 0.0], [1.0, 0.5], [-0.5, 1.0], [0.7, -1.0]])
    labels = torch.tensor([0, 1, 0, 1])
    ax = plots.plot_decision_boundary(model, features, labels, resolution=50)
    assert len(ax.collections) >= 2  # the filled regions and the scattered points
    assert ax.get_legend() is not None


def test_confusion_matrix_writes_every_count():
    matrix = torch.tensor([[5, 1], [2, 7]])
    ax = plots.plot_confusion_matrix(matrix, class_names=["cat", "dog"])
    assert sorted(text.get_text() for text in ax.texts) == ["1", "2", "5", "7"]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["cat", "dog"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_empty_history_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        plots.plot_loss_curves(History())
