"""The plots render off-screen (Agg), contain the lines they promise, and describe themselves."""

import subprocess
import sys

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from nbclient import NotebookClient

from lesson_pkg import metrics, plots
from lesson_pkg.history import History


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(with_validation=True):
    """Three epochs; validation loss lowest at epoch 2 (0.5), accuracy highest at epoch 3."""
    val_losses = [0.9, 0.5, 0.7]
    rows = []
    for epoch in (1, 2, 3):
        row = {"epoch": epoch, "train_loss": 1.0 / epoch, "train_accuracy": 0.5 + 0.1 * epoch}
        if with_validation:
            row.update({"val_loss": val_losses[epoch - 1], "val_accuracy": 0.45 + 0.1 * epoch})
        rows.append({**row, "lr": 0.1, "seconds": 0.0})
    return History(rows=rows, step_losses=[1.5, 1.0, 0.8, 0.6, 0.5, 0.4], steps_per_epoch=2)


def _labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def _luminance(colour):
    """WCAG relative luminance, computed here independently of lesson_pkg."""
    channels = np.array(to_rgb(colour))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def _contrast(first, second):
    high, low = sorted([_luminance(first), _luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _legend_covers_data(ax):
    """Whether any plotted line of ``ax`` passes through its legend's box."""
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.get_lines():
        xy = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
        xy = xy[np.isfinite(xy).all(axis=1)]
        fractions = np.linspace(0, 1, 20)[:, None, None]  # points along every segment too
        xy = (xy[:-1] + fractions * (xy[1:] - xy[:-1])).reshape(-1, 2) if len(xy) > 1 else xy
        inside = (
            (xy[:, 0] >= box.x0)
            & (xy[:, 0] <= box.x1)
            & (xy[:, 1] >= box.y0)
            & (xy[:, 1] <= box.y1)
        )
        if inside.any():
            return True
    return False


def _series_styles(ax):
    return [
        (to_rgb(line.get_color()), line.get_linestyle(), line.get_marker()) for line in ax.lines
    ]


def test_loss_curves_put_each_epoch_mean_across_the_steps_it_averages():
    ax = plots.plot_loss_curves(_history())
    assert _labels(ax) == [
        "training loss per step",
        "training loss, mean of each epoch",
        "validation",
        "best epoch 2\n(val loss 0.50)",
    ]
    step_line, mean_line, val_line, best_line = ax.get_lines()
    np.testing.assert_allclose(step_line.get_xdata(), [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    # epoch k spans (k - 1, k]: its mean is a flat segment from k - 1 to k
    # (a NaN after each segment: separate flat segments, no risers between epochs)
    nan = np.nan
    np.testing.assert_allclose(mean_line.get_xdata(), [0, 1, nan, 1, 2, nan, 2, 3, nan])
    np.testing.assert_allclose(
        mean_line.get_ydata(), [1, 1, nan, 1 / 2, 1 / 2, nan, 1 / 3, 1 / 3, nan]
    )
    np.testing.assert_allclose(val_line.get_xdata(), [1, 2, 3])  # measured after each epoch
    np.testing.assert_allclose(val_line.get_ydata(), [0.9, 0.5, 0.7])
    assert list(best_line.get_xdata()) == [2, 2]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert not _legend_covers_data(ax)


def test_loss_curves_alt_text_states_the_trend_and_the_best_epoch():
    ax = plots.plot_loss_curves(_history())
    assert plots.alt_text(ax.figure) == (
        "Line chart of loss per epoch: training loss falls from 1.00 to 0.33 over 3 epochs; "
        "validation loss falls from 0.90 to its lowest, 0.50 at epoch 2, then rises to 0.70. "
        "The training loss of each of the 6 steps (2 per epoch) is drawn faintly, between "
        "0.40 and 1.50; each epoch's mean is a flat segment across its epoch. A dotted line "
        "marks the best epoch 2 (val loss 0.50)."
    )
    ax = plots.plot_loss_curves(_history(), per_step=False, mark_best=False)
    assert _labels(ax) == ["training", "validation"]
    assert "dotted" not in plots.alt_text(ax)


def test_loss_and_accuracy_are_two_stacked_panels_sharing_the_epoch_axis():
    loss_ax, accuracy_ax = plots.plot_loss_and_accuracy(_history())
    assert _labels(loss_ax) == ["training", "validation", "best epoch 2\n(val loss 0.50)"]
    assert _labels(accuracy_ax) == ["training", "validation", "best epoch 2\n(val loss 0.50)"]
    assert accuracy_ax.get_ylabel() == "accuracy" and accuracy_ax.get_xlabel() == "epoch"
    assert loss_ax.get_shared_x_axes().joined(loss_ax, accuracy_ax)
    assert loss_ax.get_position().y0 > accuracy_ax.get_position().y1  # one above the other
    np.testing.assert_allclose(accuracy_ax.get_lines()[1].get_ydata(), [0.55, 0.65, 0.75])
    assert [text.get_text() for text in loss_ax.get_legend().get_texts()] == [
        "training",
        "validation",
        "best epoch 2\n(val loss 0.50)",
    ]
    assert not _legend_covers_data(loss_ax)
    assert plots.alt_text(loss_ax.figure).endswith(
        "Below it, line chart of accuracy per epoch: training accuracy rises from 0.60 to "
        "0.80 over 3 epochs; validation accuracy rises from 0.55 to 0.75 over 3 epochs."
    )


def test_the_epoch_early_stopping_restored_is_the_one_marked():
    history = _history()
    history.restored_epoch, history.stopped_early = 3, True
    history.stop_reason = "early stopping after epoch 3"  # for a person; plots read the data
    loss_ax, _ = plots.plot_loss_and_accuracy(history)
    assert _labels(loss_ax)[-1] == "restored epoch 3\n(val loss 0.70)"
    text = plots.alt_text(loss_ax.figure)
    assert "A dotted line marks the restored epoch 3 (val loss 0.70)." in text
    assert "Training stopped early, after epoch 3." in text


def test_loss_and_accuracy_draws_on_given_axes_and_without_validation_marks_nothing():
    _, axes = plt.subplots(2, 2)
    returned = plots.plot_loss_and_accuracy(_history(with_validation=False), axes=axes[:, 1])
    assert list(returned) == list(axes[:, 1])
    assert _labels(axes[0, 1]) == ["training"]
    assert _labels(axes[1, 1]) == ["training"]
    assert not axes[0, 0].lines
    with pytest.raises(ValueError, match="2 matplotlib Axes"):
        plots.plot_loss_and_accuracy(_history(), axes=[axes[0, 0]])


def test_runs_differ_in_colour_line_style_and_marker():
    runs = {f"lr={rate}": _history() for rate in (0.01, 0.1, 1.0, 3.0)}
    runs["lr=3.0"].diverged_at = (4, 1)  # its loss became infinite at step 1 of epoch 4
    ax = plots.plot_runs(runs, column="val_loss", log_scale=True)
    assert _labels(ax) == list(runs)
    assert ax.get_yscale() == "log"
    styles = _series_styles(ax)
    for position in range(3):
        assert len({style[position] for style in styles}) == len(runs)
    assert not _legend_covers_data(ax)
    text = plots.alt_text(ax)
    assert text.startswith("Line chart of validation loss per epoch on a log scale for 4 runs: ")
    assert "lr=3.0: falls from 0.90 to its lowest, 0.50 at epoch 2, then rises to 0.70, " in text
    assert text.endswith("then stops (after epoch 3).")


def test_alt_text_tells_a_dip_then_a_rise_for_every_series_not_as_one_fall():
    # wrong answers: highest at the start (an end), lowest at epoch 3, then up again
    run = History(
        rows=[
            {"epoch": epoch, "val_wrong": wrong, "val_loss": loss}
            for epoch, wrong, loss in (
                (1, 44.0, 0.9),
                (2, 25.0, 0.5),
                (3, 23.0, 0.3),
                (4, 30.0, 0.2),
            )
        ]
    )
    axes = plots.plot_columns(run, {"wrong": ["val_wrong"], "loss": ["val_loss"]})
    assert plots.alt_text(axes[0].figure) == (
        "2 stacked panels per epoch: validation wrong falls from 44 to its lowest, 23 at "
        "epoch 3, then rises to 30; validation loss falls from 0.90 to 0.20 over 4 epochs."
    )


def test_loss_functions_are_drawn_against_the_error_and_the_margin():
    ax = plots.plot_loss_functions("regression")
    lines = {line.get_label(): line for line in ax.get_lines()}
    error = lines["MSE  e²"].get_xdata()
    np.testing.assert_allclose(lines["MSE  e²"].get_ydata(), error**2, rtol=1e-6)
    np.testing.assert_allclose(lines["MAE  |e|"].get_ydata(), np.abs(error), rtol=1e-6)
    assert len({line.get_linestyle() for line in ax.get_lines()}) == 3
    assert "at e = ±3 they reach MSE 9.00, MAE 3.00, Huber 2.50" in plots.alt_text(ax)
    assert not _legend_covers_data(ax)
    ax = plots.plot_loss_functions("classification")
    lines = {line.get_label(): line for line in ax.get_lines()}
    margin = lines["hinge"].get_xdata()
    np.testing.assert_allclose(lines["hinge"].get_ydata(), np.maximum(0, 1 - margin), atol=1e-6)
    logistic_start = np.log1p(np.exp(3.0))
    assert f"falls smoothly from {logistic_start:.2f}" in plots.alt_text(ax)
    assert not _legend_covers_data(ax)
    with pytest.raises(ValueError, match="regression"):
        plots.plot_loss_functions("ranking")


def test_confusion_matrix_writes_every_count_in_readable_contrast():
    matrix = torch.tensor([[5, 1, 0], [2, 7, 3], [0, 4, 9]])
    ax = plots.plot_confusion_matrix(matrix, class_names=["cat", "dog", "fox"])
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        str(value) for value in matrix.flatten().tolist()
    )
    image = ax.images[0]
    for text in ax.texts:
        row, column = (
            round(coordinate) for coordinate in (text.get_position()[1], text.get_position()[0])
        )
        cell = image.cmap(image.norm(matrix[row, column].item()))
        assert _contrast(text.get_color(), cell) >= 4.5
    assert [label.get_text() for label in ax.get_xticklabels()] == ["cat", "dog", "fox"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert plots.alt_text(ax) == (
        "Confusion matrix of 3 classes over 31 samples, rows the true class and columns the "
        "predicted class: 21 on the diagonal are correct (accuracy 0.68). The most frequent "
        "mistake is true class fox predicted as dog (4 times)."
    )


def test_confusion_matrix_alt_text_names_a_class_never_predicted():
    target = torch.tensor([0] * 95 + [1] * 5)
    matrix = metrics.confusion_matrix(torch.zeros(100, dtype=torch.long), target)
    text = plots.alt_text(plots.plot_confusion_matrix(matrix))
    assert "(accuracy 0.95)" in text and text.endswith("Never predicted: class 1.")


def _every_figure():
    return [
        plots.plot_loss_curves(_history()).figure,
        plots.plot_loss_and_accuracy(_history())[0].figure,
        plots.plot_runs({"a": _history(), "b": _history()}).figure,
        plots.plot_loss_functions("regression").figure,
        plots.plot_loss_functions("classification").figure,
        plots.plot_confusion_matrix([[3, 1], [0, 2]]).figure,
    ]


def test_every_text_on_white_contrasts_at_least_4_5_to_1():
    for figure in _every_figure():
        cell_texts = {id(text) for ax in figure.axes if ax.images for text in ax.texts}
        for text in figure.findobj(Text):
            if text.get_visible() and text.get_text().strip() and id(text) not in cell_texts:
                assert text.get_alpha() in (None, 1)
                assert _contrast(text.get_color(), "white") >= 4.5, text.get_text()


def test_the_palette_is_okabe_ito_with_the_first_five_at_least_3_to_1_on_white():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(plots.PALETTE) <= okabe_ito | {"#000000"}
    assert all(_contrast(colour, "white") >= 3 for colour in plots.PALETTE[:5])
    assert len(set(plots.LINESTYLES)) == len(plots.LINESTYLES) == len(plots.PALETTE)


def test_describe_and_the_summary_of_an_undescribed_chart():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2, 3], [0.9, 0.5, 0.4], label="loss")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    right.plot([0, 1], [1, 2])
    plots.describe(right, "A rising line.")
    assert (
        plots.alt_text(fig)
        == "Line chart of loss against epoch: loss from 0.90 to 0.40. A rising line."
    )
    plots.describe(fig, "Two charts.")
    assert plots.alt_text(fig) == "Two charts."
    with pytest.raises(ValueError, match="non-empty"):
        plots.describe(left, "  ")
    with pytest.raises(TypeError, match="Axes or Figure"):
        plots.describe("a chart", "text")


def test_alt_text_is_one_line_even_when_a_title_has_two():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [0.9, 0.5, 0.4], label="loss")
    ax.set_title("The loss falls:\nfast, then slowly")
    assert "\n" not in plots.alt_text(fig)
    assert "titled 'The loss falls: fast, then slowly'" in plots.alt_text(fig)
    plots.describe(ax, "First line.\n  Second line.")
    assert plots.alt_text(ax) == "First line. Second line."


def test_empty_history_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        plots.plot_loss_curves(History())


ALT_TEXT_CELLS = [
    """from lesson_pkg import plots
from lesson_pkg.history import History
history = History(rows=[{"epoch": 1, "train_loss": 0.6, "val_loss": 0.5},
                        {"epoch": 2, "train_loss": 0.3, "val_loss": 0.4}])
_ = plots.plot_loss_curves(history)""",
    """import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2], [3, 1])
_ = plots.describe(ax, f"Hand-drawn: falls from {3} to {1}.")""",
    """from lesson_pkg import widgets
widgets.learning_rate_explorer(epochs=5)""",
]


def test_figures_shown_in_a_notebook_carry_their_alt_text_where_nbconvert_reads_it():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in ALT_TEXT_CELLS]
    )
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    (first,), (second,), (explorer,) = (cell.outputs for cell in notebook.cells)
    assert "image/png" in first.data and "image/png" in second.data
    assert first.metadata["image/png"]["alt"] == (
        "Line chart of loss per epoch: training loss falls from 0.60 to 0.30 over 2 epochs; "
        "validation loss falls from 0.50 to 0.40 over 2 epochs. A dotted line marks the best "
        "epoch 2 (val loss 0.40)."
    )
    assert second.metadata["image/png"]["alt"] == "Hand-drawn: falls from 3 to 1."
    # the explorer's static picture, for views without widgets, describes its runs
    assert "application/vnd.jupyter.widget-view+json" in explorer.data
    explorer_alt = explorer.metadata["image/png"]["alt"]
    assert "training loss per epoch" in explorer_alt
    assert "lr = 0.003: falls from " in explorer_alt and "lr = 1.5" in explorer_alt


ALT_TEXT_HOOK = """
import sys
from types import SimpleNamespace as Namespace
registered = {}
formatter = Namespace(for_type=lambda kind, function: registered.update({kind: function}))
shell = Namespace(display_formatter=Namespace(mimebundle_formatter=formatter))
sys.modules["IPython"] = Namespace(get_ipython=lambda: shell, version_info=(9, 0))  # a kernel
from matplotlib.figure import Figure
from lesson_pkg import plots
assert registered == {}, "importing the plots registered a display hook"
plots.register_alt_text()
figure = Figure()
plots.describe(figure, "A figure described.")
print(registered[Figure](figure))
"""


def test_the_alt_text_hook_is_registered_by_a_call_never_by_importing_the_plots():
    completed = subprocess.run(
        [sys.executable, "-c", ALT_TEXT_HOOK], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "({}, {'image/png': {'alt': 'A figure described.'}})"


def test_use_style_gives_each_new_line_the_next_colour_and_line_style():
    with plt.rc_context():
        plots.use_style()
        _, ax = plt.subplots()
        lines = [ax.plot([0, 1], [index, index])[0] for index in range(3)]
    assert [line.get_color() for line in lines] == list(plots.PALETTE[:3])
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-."]


def test_plot_symptom_tells_each_curve_from_its_data_and_never_a_blown_up_value():
    ax = plots.plot_symptom(
        {"a NaN run": [0.8, 0.6, float("nan")], "blow-up": [1.0, 50.0, 3e9], "noisy": [0.5, 0.9]},
        "Three runs",
        unit="step",
        floor=(0.25, "floor"),
        mark=(3, "here"),
        erratic=["noisy"],
    )
    alt = plots.alt_text(ax)
    assert alt.startswith("Line chart 'Three runs' of loss per step:"), alt
    assert "a NaN run starts at 0.80, then becomes nan at step 3" in alt
    assert "blow-up starts at 1.00 and grows by orders of magnitude" in alt and "3e+09" not in alt
    assert "noisy swings erratically" in alt and "0.90" not in alt
    assert "dashed line: floor, 0.25; dotted line: here" in alt
    assert ax.get_title() == "Three runs" and ax.get_xlabel() == "step"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="'epoch' or 'step', got 'batch'"):
        plots.plot_symptom({"a": [1.0]}, "t", unit="batch")


def test_plot_symptom_zooms_on_a_floor_and_draws_the_run_off_that_scale_in_an_inset():
    clean = [0.08, 0.01, 0.0003]
    ax = plots.plot_symptom(
        {"noisy": [0.56, 0.53, 0.54]},
        "Zoomed",
        floor=(0.514, "floor"),
        ylim=(0.4, 0.6),
        inset=("clean", clean),
    )
    assert ax.get_ylim() == (0.4, 0.6)
    (inset,) = ax.child_axes
    assert list(inset.lines[0].get_ydata()) == clean
    assert "clean" in inset.get_title()
    alt = plots.alt_text(ax)
    assert alt.endswith(
        "; inset, off the main scale: clean falls from 0.08 to 0.0003 over 3 epochs."
    )
    plt.close(ax.figure)
