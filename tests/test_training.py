"""The training loop on tiny seeded runs: it learns, it averages right, it stops right."""

import math

import pytest
import torch
import torch.nn.functional as F

from lesson_pkg import data, losses, training
from lesson_pkg.training import EarlyStopping, History


def _classifier(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))


def _moons_loaders(seed=0):
    (train_x, train_y), (val_x, val_y) = data.train_val_split(*data.make_moons(200, seed=seed))
    return data.make_loader(train_x, train_y, 32, seed=seed), data.make_loader(
        val_x, val_y, 64, shuffle=False
    )


@pytest.mark.parametrize(
    ("n_samples", "batch_size", "drop_last", "expected"),
    [
        (10_000, 32, False, 313),
        (10_000, 32, True, 312),
        (64, 32, False, 2),
        (1, 32, False, 1),
        (1, 32, True, 0),
        (0, 8, False, 0),
    ],
)
def test_steps_per_epoch(n_samples, batch_size, drop_last, expected):
    assert training.steps_per_epoch(n_samples, batch_size, drop_last) == expected


def test_steps_per_epoch_matches_a_real_dataloader():
    for n_samples, batch_size in [(100, 32), (96, 32), (7, 3)]:
        for drop_last in (False, True):
            loader = data.make_loader(
                torch.zeros(n_samples, 1), torch.zeros(n_samples), batch_size, drop_last=drop_last
            )
            assert len(list(loader)) == training.steps_per_epoch(n_samples, batch_size, drop_last)


def test_train_one_epoch_weights_a_short_last_batch_by_its_size():
    # lr = 0 keeps the weights fixed, so each batch's loss can be computed by hand
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    features = torch.ones(5, 1)
    targets = torch.tensor([[1.0], [1.0], [1.0], [1.0], [3.0]])
    loader = data.make_loader(features, targets, batch_size=4, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    mean_loss = training.train_one_epoch(model, loader, F.mse_loss, optimizer)
    # batch 1: four errors of 1 -> loss 1; batch 2: one error of 3 -> loss 9
    assert mean_loss == pytest.approx((4 * 1.0 + 1 * 9.0) / 5)
    assert mean_loss != pytest.approx((1.0 + 9.0) / 2)  # not the mean of the batch means


def test_fit_lowers_the_loss_and_reaches_good_accuracy_on_moons():
    train_loader, val_loader = _moons_loaders()
    model = _classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    history = training.fit(
        model, train_loader, F.cross_entropy, optimizer, 15, val_loader, seed=0, progress=False
    )
    losses = history.column("train_loss")
    assert losses[-1] < 0.5 * losses[0]
    assert history.rows[-1]["val_accuracy"] >= 0.85
    assert history.columns == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "seconds",
    ]
    assert len(history.step_losses) == 15 * len(train_loader)
    assert history.stop_reason is None


def test_a_loop_that_never_steps_the_optimizer_never_improves():
    train_loader, _ = _moons_loaders()
    model = _classifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    before = [p.detach().clone() for p in model.parameters()]
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(inputs), targets).backward()  # no optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_seeded_runs_are_bit_identical():
    histories = []
    for _ in range(2):
        train_loader, val_loader = _moons_loaders()
        model = _classifier(seed=3)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = training.fit(
            model, train_loader, F.cross_entropy, optimizer, 4, val_loader, seed=7, progress=False
        )
        histories.append(history)
    for name in ("train_loss", "val_loss", "val_accuracy"):
        assert histories[0].column(name) == histories[1].column(name)
    assert histories[0].step_losses == histories[1].step_losses


def test_early_stopping_stops_and_restores_the_best_weights():
    # a tiny training set and a big network overfit: validation loss turns up
    torch.manual_seed(0)
    features, labels = data.make_moons(60, noise=0.35, seed=1)
    (train_x, train_y), (val_x, val_y) = data.train_val_split(features, labels, 0.5)
    train_loader = data.make_loader(train_x, train_y, 8)
    val_loader = data.make_loader(val_x, val_y, 64, shuffle=False)
    model = torch.nn.Sequential(torch.nn.Linear(2, 256), torch.nn.ReLU(), torch.nn.Linear(256, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    history = training.fit(
        model,
        train_loader,
        F.cross_entropy,
        optimizer,
        200,
        val_loader,
        early_stopping=stopper,
        seed=0,
        progress=False,
    )
    assert len(history.rows) < 200
    assert "early stopping" in history.stop_reason
    assert history.stopped_early and history.diverged_at is None and history.ended_early
    assert history.metric_columns == ["train_accuracy", "val_accuracy"]
    best = history.best_epoch("val_loss")
    assert len(history.rows) == best + 3
    assert history.restored_epoch == best
    restored = training.evaluate(model, val_loader, F.cross_entropy)["loss"]
    assert restored == pytest.approx(min(history.column("val_loss")), rel=1e-5)


def test_early_stopping_on_accuracy_uses_max_mode():
    history = History(
        rows=[
            {"epoch": 1, "val_accuracy": 0.5},
            {"epoch": 2, "val_accuracy": 0.9},
            {"epoch": 3, "val_accuracy": 0.7},
        ]
    )
    assert history.best_epoch("val_accuracy", mode="max") == 2
    assert EarlyStopping(mode="max").improved(0.8, 0.7)
    assert not EarlyStopping(mode="max", min_delta=0.2).improved(0.8, 0.7)


def test_divergence_stops_training_with_a_clear_message_and_keeps_the_history(capsys):
    features, targets = data.make_regression(64, seed=0)
    loader = data.make_loader(features, targets, 16)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=5.0)
    history = training.fit(model, loader, F.mse_loss, optimizer, 50, seed=0, progress=False)
    assert history.stop_reason is not None
    assert "try a lower learning rate" in history.stop_reason
    assert "epoch" in history.stop_reason and "step" in history.stop_reason
    assert history.stop_reason in capsys.readouterr().out
    assert all(math.isfinite(value) for value in history.step_losses)
    assert len(history.rows) < 50
    # the failing step is the one after the last finite loss recorded (4 steps per epoch)
    epoch, step = divmod(len(history.step_losses), 4)
    assert history.diverged_at == (epoch + 1, step + 1) and not history.stopped_early
    assert f"epoch {epoch + 1}" in history.stop_reason and f"step {step + 1}" in history.stop_reason


def test_a_nan_loss_points_at_the_data_before_the_learning_rate():
    features, targets = data.make_regression(64, seed=0)
    features[20] = float("nan")  # in the second batch of 16 (no shuffling)
    loader = data.make_loader(features, targets, 16, shuffle=False)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = training.fit(model, loader, F.mse_loss, optimizer, 3, seed=0, progress=False)
    assert history.diverged_at == (1, 2)
    assert history.stop_reason is not None
    assert "the loss became nan at step 2" in history.stop_reason
    assert "Check the batch for NaN or inf (torch.isfinite)" in history.stop_reason
    assert "blown up" not in history.stop_reason


def test_regression_has_no_accuracy_column_and_evaluate_restores_the_mode():
    features, targets = data.make_regression(40, seed=0)
    loader = data.make_loader(features, targets, 8)
    model = torch.nn.Linear(1, 1)
    history = training.fit(
        model,
        loader,
        F.mse_loss,
        torch.optim.SGD(model.parameters(), 0.05),
        3,
        loader,
        progress=False,
    )
    assert history.columns == ["epoch", "train_loss", "val_loss", "lr", "seconds"]
    model.train()
    training.evaluate(model, loader, F.mse_loss)
    assert model.training


def test_evaluate_matches_a_hand_computed_loss_and_accuracy():
    model = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
    features = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    labels = torch.tensor([0, 0, 0])
    results = training.evaluate(
        model, data.make_loader(features, labels, 2, shuffle=False), F.cross_entropy
    )
    expected_loss = F.cross_entropy(features, labels).item()
    assert results["loss"] == pytest.approx(expected_loss)
    assert results["accuracy"] == pytest.approx(2 / 3)


def test_history_round_trips_through_csv(tmp_path):
    train_loader, val_loader = _moons_loaders()
    model = _classifier()
    history = training.fit(
        model,
        train_loader,
        F.cross_entropy,
        torch.optim.SGD(model.parameters(), lr=0.1),
        3,
        val_loader,
        progress=False,
    )
    path = tmp_path / "history.csv"
    text = history.to_csv(path)
    assert path.read_text() == text
    for loaded in (History.from_csv(path), History.from_csv(text)):
        assert loaded.rows == history.rows
        assert loaded.to_dict() == history.to_dict()


BAD_CALLS = {
    "epochs below 1": (dict(epochs=0), ValueError, "epochs must be at least 1"),
    "epochs not an int": (dict(epochs=2.5), TypeError, "epochs must be an integer"),
    "an empty loader": (
        dict(
            train_loader=torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
            )
        ),
        ValueError,
        "empty",
    ),
    "a non-scalar loss": (
        dict(loss_fn=lambda outputs, targets: F.cross_entropy(outputs, targets, reduction="none")),
        ValueError,
        "one number",
    ),
    "model and data shapes that do not fit": (
        dict(model=torch.nn.Linear(3, 2)),
        ValueError,
        "inputs of shape (32, 2)",
    ),
    "outputs and targets of different shapes": (
        dict(
            model=torch.nn.Linear(2, 1),
            loss_fn=lambda outputs, targets: losses.mse_loss(outputs, targets.float()),
        ),
        ValueError,
        "outputs of shape (32, 1) with targets of shape (32,)",
    ),
    "an unknown monitor column": (
        dict(early_stopping=EarlyStopping(monitor="val_acc")),
        ValueError,
        "'val_acc'",
    ),
    "not an optimizer": (dict(optimizer="adam"), TypeError, "torch.optim.Optimizer"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_fit_rejects_bad_arguments_clearly(case):
    overrides, error_type, fragment = BAD_CALLS[case]
    train_loader, val_loader = _moons_loaders()
    model = overrides.get("model", _classifier())
    arguments = dict(
        model=model,
        train_loader=train_loader,
        loss_fn=F.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        val_loader=val_loader,
        progress=False,
    )
    arguments.update(overrides)
    with pytest.raises(error_type) as raised:
        training.fit(**arguments)
    assert fragment in str(raised.value)


def test_early_stopping_rejects_bad_settings():
    with pytest.raises(ValueError, match="'min' or 'max'"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_fit_prints_one_line_per_epoch_outside_a_notebook(capsys):
    train_loader, val_loader = _moons_loaders()
    model = _classifier()
    training.fit(
        model,
        train_loader,
        F.cross_entropy,
        torch.optim.SGD(model.parameters(), 0.1),
        2,
        val_loader,
        seed=0,
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert "val_accuracy" in lines[0] and "seconds" not in lines[0]


def test_a_seed_makes_runs_identical_even_when_they_share_a_loader():
    train_loader, val_loader = _moons_loaders()
    histories = []
    for _ in range(2):
        model = _classifier(seed=1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        histories.append(
            training.fit(
                model,
                train_loader,
                F.cross_entropy,
                optimizer,
                3,
                val_loader,
                seed=5,
                progress=False,
            )
        )
    assert histories[0].step_losses == histories[1].step_losses


def test_history_lives_in_its_own_module_and_training_re_exports_it():
    from lesson_pkg import history as history_module

    assert History is history_module.History
    assert History.__module__ == "lesson_pkg.history"
    assert History().restored_epoch is None


def test_without_early_stopping_no_epoch_is_restored():
    features, labels = data.make_blobs(40, seed=0)
    loader = data.make_loader(features, labels, 20, seed=0)
    model = torch.nn.Linear(2, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = training.fit(model, loader, F.cross_entropy, optimizer, 2, progress=False)
    assert history.restored_epoch is None and history.stop_reason is None
    assert not history.ended_early and history.diverged_at is None
