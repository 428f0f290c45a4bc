"""The helpers the lessons added for calibration, stability and the learner's own code.

Each is checked against an independent oracle: calibration against a plain loop over
bins written here, temperature scaling against its closed form and a grid search,
``is_erratic`` on hand-made curves, ``yours_or_reference`` on a correct function (which
passes), the stubs (which do not) and a wrong one; the new figures against the data they draw.
"""

from __future__ import annotations

import math
import shutil

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_pkg import losses, metrics, plots, training
from lesson_pkg.checks import yours_or_reference
from lesson_pkg.grading.exercises import reference


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bins_by_loop(probabilities: np.ndarray, labels: np.ndarray, n_bins: int):
    """Reliability bins the slow way: every sample tested against every bin's edges."""
    rows = []
    confidence, predicted = probabilities.max(1), probabilities.argmax(1)
    for index in range(n_bins):
        low, high = index / n_bins, (index + 1) / n_bins
        inside = [
            k
            for k in range(len(labels))
            if low < confidence[k] <= high or (index == 0 and confidence[k] == 0)
        ]
        if inside:
            rows.append(
                (
                    float(np.mean(confidence[inside])),
                    float(np.mean(predicted[inside] == labels[inside])),
                    len(inside),
                )
            )
    return rows


def test_calibration_bins_and_ece_match_a_loop_over_bins():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(300, 4, generator=generator, dtype=torch.float64) * 2
    labels = torch.randint(0, 4, (300,), generator=generator)
    probabilities = logits.softmax(1).numpy()
    expected = _bins_by_loop(probabilities, labels.numpy(), 10)
    got = metrics.calibration_bins(logits, labels)
    assert [count for _, _, count in got] == [count for _, _, count in expected]
    assert np.allclose([row[:2] for row in got], [row[:2] for row in expected])
    ece = sum(count * abs(right - conf) for conf, right, count in expected) / 300
    assert metrics.expected_calibration_error(logits, labels) == pytest.approx(ece)


def test_calibration_reads_probabilities_as_given_and_rejects_bad_input():
    probabilities = torch.tensor([[0.95, 0.05]] * 20)
    labels = torch.tensor([0] * 15 + [1] * 5)  # says 95 %, right 75 % of the time
    assert metrics.expected_calibration_error(probabilities, labels) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="n_bins"):
        metrics.calibration_bins(probabilities, labels, n_bins=0)
    with pytest.raises((ValueError, TypeError)):
        metrics.expected_calibration_error(torch.tensor([0.9, 0.1]), labels)


def test_fit_temperature_finds_the_closed_form_and_the_grid_minimum():
    # two classes, margin 4, right 3 times in 4: sigma(4 / T) = 0.75, so T = 4 / ln 3
    logits = torch.tensor([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 0])
    assert training.fit_temperature(logits, labels) == pytest.approx(4 / math.log(3), rel=1e-3)
    generator = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 3, (200,), generator=generator)
    logits = torch.randn(200, 3, generator=generator) * 5 + 6 * F.one_hot(labels, 3)
    grid = torch.linspace(0.5, 20, 3901)
    by_grid = grid[torch.stack([F.cross_entropy(logits / t, labels) for t in grid]).argmin()]
    assert training.fit_temperature(logits, labels) == pytest.approx(by_grid.item(), abs=0.01)
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        training.fit_temperature(torch.zeros(3), torch.tensor([0, 1, 0]))


@pytest.mark.parametrize(
    ("values", "ceiling", "expected"),
    [
        ([0.6, 0.3, 0.2, 0.25, 0.2, 0.18], math.inf, False),  # bumpy but settled
        ([0.5, 0.05, 0.06, 0.372, 0.17, 0.23], math.inf, True),  # a sixfold jump
        ([9.0, 7.0, 8.0, 6.5, 7.5], math.log(2), True),  # above a coin flip's loss
        ([9.0, 7.0, 8.0, 6.5, 7.5], math.inf, False),
        ([0.5, 0.4, math.inf], math.inf, True),
    ],
)
def test_is_erratic(values, ceiling, expected):
    assert training.is_erratic(values, ceiling=ceiling) is expected


def test_is_erratic_looks_only_at_the_last_epochs():
    assert not training.is_erratic([0.1, 5.0, 0.3, 0.25, 0.2, 0.2, 0.19], last=5)
    with pytest.raises(ValueError, match="empty"):
        training.is_erratic([])


@pytest.mark.parametrize(
    ("values", "ceiling", "named"),
    [
        ([0.5, 0.05, 0.06, 0.372, 0.17, 0.23], math.inf, "more than 5-fold"),  # 0.06 -> 0.372
        ([9.0, 7.0, 8.0, 6.5, 7.5], math.log(2), "above 0.69"),
        ([0.5, 0.4, math.nan], math.inf, "not finite"),
        ([0.9, 0.1, 0.7, 0.8, 0.9], 0.5, "above 0.50"),  # both rules fire: the mean is named
    ],
)
def test_erratic_reason_names_the_rule_that_fired(values, ceiling, named):
    reason = training.erratic_reason(values, ceiling=ceiling)
    assert named in reason, reason
    assert training.erratic_reason([0.6, 0.3, 0.2, 0.25, 0.2, 0.18]) is None


def _course_with(tmp_path, source_folder):
    exercises = tmp_path / "exercises"
    shutil.copytree(source_folder, exercises)
    return exercises


def test_yours_or_reference_uses_a_passing_function_and_says_so(tmp_path, capsys, request):
    exercises = _course_with(tmp_path, request.config.rootpath / "exercises")
    file = exercises / "ex02_epochs.py"
    file.write_text(  # a correct best_epoch, written here, after the stub's
        file.read_text() + "\n\ndef best_epoch(values, mode='min'):\n"
        "    pick = min if mode == 'min' else max\n"
        "    return 1 + list(values).index(pick(values))\n"
    )
    chosen = yours_or_reference("best_epoch", exercises)
    printed = capsys.readouterr().out
    assert "using your best_epoch from exercises/ex02_epochs.py: it passes all" in printed
    assert chosen is not reference("best_epoch") and chosen([0.5, 0.2, 0.3]) == 2


def test_yours_or_reference_falls_back_on_a_stub_or_a_wrong_function(tmp_path, capsys, request):
    root = request.config.rootpath
    exercises = _course_with(tmp_path, root / "exercises")
    assert yours_or_reference("accuracy", exercises) is reference("accuracy")
    assert "yours is not written yet" in capsys.readouterr().out
    wrong = exercises / "ex03_accuracy.py"
    wrong.write_text(
        wrong.read_text()
        + "\n\ndef accuracy(input, target):\n"
        + "    return 100.0 * float((input == target).float().mean())\n"
    )
    assert yours_or_reference("accuracy", exercises) is reference("accuracy")
    printed = capsys.readouterr().out
    assert "using the course's accuracy (yours scores" in printed and "check('accuracy')" in printed
    with pytest.raises(ValueError, match="not an exercise"):
        yours_or_reference("softmax", exercises)


def test_stability_sweep_marks_the_limit_between_the_last_fall_and_first_growth():
    ax = plots.plot_stability_sweep([0.6, 0.7, 0.8], [0.01, 0.5, 40.0], limit=0.75)
    text = plots.alt_text(ax)
    assert "up to 0.7" in text and "from 0.8" in text and "0.750" in text
    (limit_line,) = [line for line in ax.lines if list(line.get_xdata()) == [0.75, 0.75]]
    assert limit_line.get_linestyle() == "--"


def test_batch_size_noise_draws_each_batch_at_the_samples_seen():
    ax = plots.plot_batch_size_noise({2: [1.0, 0.5, 0.9, 0.4], 4: [0.8, 0.6]}, samples=8)
    curves = {line.get_label(): list(line.get_xdata()) for line in ax.lines}
    assert curves == {"batch 2": [2, 4, 6, 8], "batch 4": [4, 8]}
    assert "typical step-to-step jump of 0.50" in plots.alt_text(ax)  # median of .5, .4, .5
    ax = plots.plot_batch_size_noise({2: [1.0, 0.5], 4: [0.8]}, samples=4, spreads={2: 0.3, 4: 0.2})
    assert "varies by 0.3 at batch 2, 0.2 at batch 4" in plots.alt_text(ax)


def test_zero_one_loss_is_drawn_as_two_flat_pieces_not_a_steep_line():
    ax = plots.plot_loss_functions("classification")
    (zero_one,) = [line for line in ax.lines if line.get_label().startswith("0-1")]
    x, y = np.asarray(zero_one.get_xdata()), np.asarray(zero_one.get_ydata())
    drawn = ~np.isnan(y)
    assert set(y[drawn]) == {0.0, 1.0}
    assert x[drawn & (y == 1.0)].max() <= 0 < x[drawn & (y == 0.0)].min()
    gap = x[~drawn]
    assert len(gap) == 1 and 0 < gap[0] < x[drawn & (y == 0.0)].min()


def test_reliability_diagram_and_precision_recall_describe_their_data():
    bins = {"model": [(0.6, 1.0, 1), (0.9, 0.5, 2)]}
    ax = plots.plot_reliability_diagram(bins, {"model": 0.4})
    assert (
        "its fullest bin, 2 predictions at mean confidence 0.900, is right 0.500"
        in plots.alt_text(ax)
    )
    with pytest.raises(ValueError, match="same models"):
        plots.plot_reliability_diagram(bins, {})
    ax = plots.plot_precision_recall([0.2, 0.5, 1.0], [0.9, 0.6, 0.1], {"t": (0.5, 0.6)})
    assert "recall from 0.20 to 1.00" in plots.alt_text(ax)


def test_regimes_floor_is_drawn_and_quoted():
    from lesson_pkg.history import History

    run = History(rows=[{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.4}])
    axes = plots.plot_learning_rate_regimes({"lr = 0.1": run}, floor=0.1)
    assert "ending 4.0 times the dashed floor 0.10" in plots.alt_text(axes[0].figure)
    wild = History(rows=[{"epoch": 1, "train_loss": 6.02}, {"epoch": 2, "train_loss": 2.3e12}])
    axes = plots.plot_learning_rate_regimes({"lr = 0.8": wild})
    text = plots.alt_text(axes[0].figure)
    assert "rises from 6.02 to about 1e+12" in text and "2.3e" not in text


def test_recorded_above_validation_names_the_dotted_measured_loss():
    from lesson_pkg.history import History

    recorded = History(rows=[{"epoch": 1, "train_loss": 0.6, "val_loss": 0.5},
                             {"epoch": 2, "train_loss": 0.4, "val_loss": 0.45}])  # fmt: skip
    again = History(rows=[{"epoch": 1, "val_loss": 0.55}, {"epoch": 2, "val_loss": 0.3}])
    axes = plots.plot_recorded_above_validation({"dropout": recorded}, {"dropout": again})
    text = plots.alt_text(axes[0].figure)
    assert "(dotted)" in text and "dots" not in text
    assert "measured after each epoch is above the validation loss in 1 of 2 epochs" in text


def test_optimizer_comparison_names_erratic_runs_without_their_loss():
    from lesson_pkg.history import History

    def run(*values):
        return History(rows=[{"epoch": i + 1, "train_loss": v} for i, v in enumerate(values)])

    runs = {("SGD", 0.1): run(0.9, 0.5), ("SGD", 10.0): run(9.0, 7.3791)}
    axes = plots.plot_optimizer_comparison(runs, {"SGD": 0.1}, erratic=[("SGD", 10.0)])
    text = plots.alt_text(axes[0].figure)
    assert "erratic (a cross) at 10" in text and "7.38" not in text


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    """The derivation notebook 01 prints, on random logits and the course's loss."""
    logits = torch.randn(5, 4, generator=torch.Generator().manual_seed(2), requires_grad=True)
    labels = torch.tensor([0, 3, 1, 1, 2])
    losses.cross_entropy(logits, labels, reduction="sum").backward()
    expected = logits.detach().softmax(1) - F.one_hot(labels, 4)
    assert torch.allclose(logits.grad, expected, atol=1e-6)


def test_precision_recall_draws_another_curve_and_enlarges_a_corner_with_its_marks_named():
    _, ax = plt.subplots()
    marks = {"far": (0.2, 0.9), "t = 0.3": (0.75, 0.3), "other": (0.8, 0.25)}
    returned = plots.plot_precision_recall(
        [0.2, 0.5, 0.75, 1.0],
        [0.9, 0.6, 0.3, 0.1],
        marks,
        others={"other model": ([0.1, 0.8], [0.8, 0.2])},
        zoom=(0.7, 0.85, 0.2, 0.4),
        zoom_labels={"t = 0.3": "0.3", "other": "o"},
        ax=ax,
    )
    assert returned is ax
    (inset,) = ax.child_axes
    assert inset.get_xlim() == (0.7, 0.85) and inset.get_ylim() == (0.2, 0.4)
    assert len(inset.lines) == len(ax.lines) == 1 + 3 + 1  # the curve, the marks, the other
    assert [text.get_text() for text in inset.texts] == ["0.3", "o"]
    assert [text.xy for text in inset.texts] == [(0.75, 0.3), (0.8, 0.25)]
    other = ax.lines[-1]
    assert other.get_label() == "other model" and other.get_linestyle() == "--"
    assert all(line.get_zorder() == 3 for line in ax.lines[1:4])  # marks above both curves
    alt = plots.alt_text(ax)
    assert "A dashed grey curve: other model, recall 0.10 to 0.80." in alt
    assert alt.endswith(
        "An inset enlarges recall 0.70 to 0.85 and precision 0.20 to 0.40, with its marks "
        "labelled 0.3 (t = 0.3), o (other)."
    )
    with pytest.raises(ValueError, match="increasing, got"):
        plots.plot_precision_recall([0.5], [0.5], {}, zoom=(0.9, 0.1, 0.2, 0.4))


def test_capstone_marks_print_each_ratio_and_label_the_two_chosen_epochs():
    train, val = [2.0, 0.5, 0.2, 0.1], [1.0, 0.45, 0.3, 0.3]
    _, (loss_ax, accuracy_ax) = plt.subplots(2, 1)
    text = plots.mark_ratios(loss_ax, [1, 3, 4], train, val)
    numbers = [t.get_text() for t in loss_ax.texts]
    assert numbers == [f"{v / t:.2f}" for t, v in [(2.0, 1.0), (0.2, 0.3), (0.1, 0.3)]]
    assert [t.get_ha() for t in loss_ax.texts] == ["left", "right", "left"]  # 3, 4 pushed apart
    (bars,) = [c for c in loss_ax.collections if c.get_label().startswith("validation /")]
    assert bars.get_segments()[0].tolist() == [[1.0, 2.0], [1.0, 1.0]]
    assert loss_ax.get_ylim()[1] == pytest.approx(6.0)  # three times the highest training loss
    assert text.endswith(
        "epochs 1 (validation / training 0.50), 3 (validation / training 1.50)"
        ", 4 (validation / training 3.00)"
    )
    with pytest.raises(ValueError, match="between 1 and 4, got \\[5\\]"):
        plots.mark_ratios(loss_ax, [5], train, val)

    accuracy = [0.80, 0.90, 0.95, 0.93]
    accuracy_ax.plot([1, 2, 3, 4], [0.5, 0.9, 0.97, 0.99], label="training")
    accuracy_ax.plot([1, 2, 3, 4], accuracy, label="validation")
    accuracy_ax.axvline(2, label="restored epoch 2")
    accuracy_ax.set_ylim(0.7, 1.0)
    below = plots.mark_below_scale(accuracy_ax, [0.5, 0.9, 0.97, 0.99], "training")
    (arrow,) = accuracy_ax.texts
    assert arrow.get_text() == "training, epoch 1: 0.50\n(below the scale)"
    assert arrow.xy == (1, 0.7)  # epoch 1 on the bottom edge, where the triangle is
    triangle = accuracy_ax.lines[-1]
    assert (triangle.get_xdata()[0], triangle.get_ydata()[0], triangle.get_marker()) == (
        1,
        0.7,
        "v",
    )
    assert arrow.get_position()[0] > 1 + (0.7 - 0.5) / 0.4  # the note right of where it enters
    assert "0.50, is below the axis (which starts at 0.70)" in below
    labelled = plots.mark_best_accuracy(accuracy_ax, accuracy, restored=2, highest=3)
    assert [t.get_text() for t in accuracy_ax.texts[1:]] == ["0.900", "0.950"]
    star = accuracy_ax.lines[-1]
    assert (star.get_xdata()[0], star.get_ydata()[0], star.get_marker()) == (3, 0.95, "*")
    legend = [t.get_text() for t in accuracy_ax.get_legend().get_texts()]
    assert legend == ["training", "validation", "highest validation accuracy", "restored epoch 2"]
    assert labelled.startswith("validation accuracy is 0.900 at the restored epoch 2 and 0.950")
    with pytest.raises(ValueError, match="must start below the axis"):
        plots.mark_below_scale(accuracy_ax, [0.8, 0.9], "training")
