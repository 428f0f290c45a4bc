"""The training loop: steps, epochs, evaluation and early stopping.

Vocabulary. A *sample* is one example; a *batch* is the group of samples the model sees
at once; a *step* (or iteration) is one update of the weights from one batch; an *epoch*
is one pass over the whole training set, so it holds ``ceil(N / batch_size)`` steps.

One step is always the same five lines::

    optimizer.zero_grad()            # forget the previous step's gradients
    outputs = model(inputs)          # forward
    loss = loss_fn(outputs, targets) # how wrong, as one number
    loss.backward()                  # gradient of the loss w.r.t. every weight
    optimizer.step()                 # move every weight against its gradient

:func:`fit` records the run in a :class:`~lesson_pkg.history.History`, which lives in
:mod:`lesson_pkg.history` and is importable from here too.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass

import torch

from lesson_pkg import metrics as metric_functions
from lesson_pkg import validation
from lesson_pkg.history import History
from lesson_pkg.progress import make_reporter

__all__ = [
    "EarlyStopping",
    "History",
    "erratic_reason",
    "evaluate",
    "fit",
    "fit_temperature",
    "is_erratic",
    "steps_per_epoch",
    "train_one_epoch",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]
StepCallback = Callable[[int, float, torch.Tensor, torch.Tensor], None]


class TrainingDiverged(ValueError):
    """The loss became infinite or NaN: the weights can no longer be trusted.

    ``step`` is the step of the epoch (from 1) whose loss was ``loss``.
    """

    def __init__(self, step: int, loss: float) -> None:
        super().__init__(f"the loss became {loss} at step {step}")
        self.step = step
        self.loss = loss


def steps_per_epoch(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    """Number of optimizer steps (batches) in one epoch.

    ``ceil(n_samples / batch_size)``: the last, shorter batch is a step too, unless
    ``drop_last`` throws it away, which gives ``floor(n_samples / batch_size)``.

    Examples
    --------
    >>> steps_per_epoch(10_000, 32)
    313
    >>> steps_per_epoch(10_000, 32, drop_last=True)
    312
    >>> 5 * steps_per_epoch(10_000, 32)  # steps in 5 epochs
    1565
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=0)
    batch_size = validation.check_int(batch_size, "batch_size", minimum=1)
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    if drop_last:
        return n_samples // batch_size
    return math.ceil(n_samples / batch_size)


def _default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _check_loader(loader: Iterable, name: str) -> None:
    """Raise unless ``loader`` is an iterable of batches with at least one batch."""
    if not isinstance(loader, Iterable):
        raise TypeError(
            f"{name} must be a DataLoader (or an iterable of batches), got {type(loader).__name__}"
        )
    if isinstance(loader, Sized) and len(loader) == 0:
        raise ValueError(f"{name} is empty: it yields no batch (is the data set empty?)")


def _unpack(batch: object, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a batch into ``(inputs, targets)`` on ``device``."""
    if not isinstance(batch, tuple | list) or len(batch) != 2:
        raise TypeError(
            "each batch must be a pair (inputs, targets), as a DataLoader over a "
            f"TensorDataset(features, targets) gives, got {type(batch).__name__}"
        )
    inputs, targets = batch
    return inputs.to(device), targets.to(device)


def _predict(model: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """The model's outputs for one batch, turning a shape error into a clear message."""
    try:
        return model(inputs)
    except RuntimeError as error:
        raise ValueError(
            f"the model cannot take inputs of shape {tuple(inputs.shape)}: {error}"
        ) from error


def _batch_loss(loss_fn: LossFn, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The loss of one batch, a 0-d tensor, turning shape errors into clear messages."""
    try:
        loss = loss_fn(outputs, targets)
    except (RuntimeError, ValueError) as error:
        raise ValueError(
            f"the loss cannot compare the model's outputs of shape {tuple(outputs.shape)} "
            f"with targets of shape {tuple(targets.shape)}: {error}"
        ) from error
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(
            f"loss_fn must return one number (a 0-d tensor; use reduction='mean'), got {shape}"
        )
    return loss


def _device_of(model: torch.nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def train_one_epoch(
    model: torch.nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    on_step: StepCallback | None = None,
) -> float:
    """Train for one pass over ``loader`` and return the epoch's mean training loss.

    The mean is weighted by batch size, so a short last batch counts by its size:
    ``sum_b loss_b * size_b / sum_b size_b``, the mean loss per sample.

    Parameters
    ----------
    model, loader, loss_fn, optimizer
        The batches are moved to the device of the model's parameters.
    on_step : callable, optional
        Called after each step with ``(step, loss, outputs, targets)`` (the step counted
        from 0 within the epoch; ``loss`` a float; ``outputs`` detached).

    Raises
    ------
    TrainingDiverged
        When a batch's loss is infinite or NaN, naming the step.
    """
    _check_loader(loader, "loader")
    device = _device_of(model)
    model.train()
    total_loss, total_samples = 0.0, 0
    for step, batch in enumerate(loader):
        inputs, targets = _unpack(batch, device)
        optimizer.zero_grad()  # 1. forget the previous step's gradients (they add up)
        outputs = _predict(model, inputs)  # 2. forward: the model's outputs for the batch
        loss = _batch_loss(loss_fn, outputs, targets)  # 3. loss: how wrong, one number
        loss.backward()  # 4. backward: the gradient of the loss for every weight
        optimizer.step()  # 5. step: move every weight against its gradient

        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainingDiverged(step + 1, loss_value)
        total_loss += loss_value * len(inputs)
        total_samples += len(inputs)
        if on_step is not None:
            on_step(step, loss_value, outputs.detach(), targets)
    return total_loss / total_samples


def _default_metrics(targets: torch.Tensor) -> dict[str, MetricFn]:
    """Accuracy for class-index targets (classification); nothing for regression."""
    if targets.is_floating_point():
        return {}
    return {"accuracy": metric_functions.accuracy}


def evaluate(
    model: torch.nn.Module,
    loader: Iterable,
    loss_fn: LossFn,
    metrics: Mapping[str, MetricFn] | None = None,
) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``loader``, without gradients, in eval mode.

    Returns ``{"loss": ..., name: ...}``: the loss is the per-sample mean over all
    batches; each metric is computed once on all outputs and targets together. With
    ``metrics=None``, accuracy is reported for class-index (integer) targets and no metric
    for regression. The model's train/eval mode is restored afterwards.

    Examples
    --------
    >>> from lesson_pkg.data import make_loader
    >>> model = torch.nn.Linear(2, 3)
    >>> loader = make_loader(torch.zeros(4, 2), torch.tensor([0, 1, 2, 0]), batch_size=2)
    >>> sorted(evaluate(model, loader, torch.nn.functional.cross_entropy))
    ['accuracy', 'loss']
    """
    _check_loader(loader, "loader")
    device = _device_of(model)
    was_training = model.training
    model.eval()
    total_loss, all_outputs, all_targets = 0.0, [], []
    with torch.no_grad():
        for batch in loader:
            inputs, targets = _unpack(batch, device)
            outputs = _predict(model, inputs)
            loss = _batch_loss(loss_fn, outputs, targets)
            total_loss += loss.item() * len(inputs)
            all_outputs.append(outputs.cpu())
            all_targets.append(targets.cpu())
    model.train(was_training)
    outputs, targets = torch.cat(all_outputs), torch.cat(all_targets)
    metrics = _default_metrics(targets) if metrics is None else metrics
    results = {"loss": total_loss / len(targets)}
    results.update({name: float(metric(outputs, targets)) for name, metric in metrics.items()})
    return results


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when ``monitor`` has not improved for ``patience`` epochs in a row.

    ``mode="min"`` for losses (lower is better), ``"max"`` for accuracies. An epoch
    improves on the best so far by more than ``min_delta``. With
    ``restore_best_weights``, the model ends with the weights of its best epoch.
    """

    monitor: str = "val_loss"
    mode: str = "min"
    patience: int = 3
    min_delta: float = 0.0
    restore_best_weights: bool = True

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {self.mode!r}")
        validation.check_int(self.patience, "patience", minimum=1)
        validation.check_real(self.min_delta, "min_delta", low=0.0)

    def improved(self, value: float, best: float | None) -> bool:
        """Whether ``value`` beats ``best`` by more than ``min_delta``."""
        if best is None:
            return True
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


def _columns(has_validation: bool, metric_names: Iterable[str]) -> list[str]:
    """The columns every row of the history will have, known before training starts."""
    splits = ["train", "val"] if has_validation else ["train"]
    columns = ["epoch"]
    for split in splits:
        columns += [f"{split}_loss"] + [f"{split}_{name}" for name in metric_names]
    return [*columns, "lr", "seconds"]


def _first_target(loader: Iterable) -> torch.Tensor:
    """A target of the data, to tell classification from regression.

    Read from the loader's data set when it has one, so that the loader's shuffling
    generator is not advanced (a seeded run then sees the same batches as a hand loop).
    """
    dataset = getattr(loader, "dataset", None)
    if dataset is not None and hasattr(dataset, "__getitem__") and len(dataset):
        return torch.as_tensor(dataset[0][1])
    return _unpack(next(iter(loader)), torch.device("cpu"))[1]


def fit(
    model: torch.nn.Module,
    train_loader: Iterable,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_loader: Iterable | None = None,
    *,
    metrics: Mapping[str, MetricFn] | None = None,
    early_stopping: EarlyStopping | None = None,
    seed: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    live_plot: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the :class:`History` of the run.

    Each epoch runs :func:`train_one_epoch`, then :func:`evaluate` on ``val_loader``.
    Training metrics are computed on the outputs seen during the epoch (the weights
    change as it goes, so they lag the end-of-epoch validation metrics a little).

    Parameters
    ----------
    model, train_loader, loss_fn, optimizer
        ``loss_fn(outputs, targets)`` must return a 0-d tensor.
    epochs : int >= 1
        The most epochs to run; early stopping may end training sooner.
    val_loader : optional
        Held-out data, evaluated after every epoch (columns ``val_*``).
    metrics : {name: fn(outputs, targets) -> float}, optional
        By default accuracy for classification (integer targets), none for regression.
    early_stopping : EarlyStopping, optional
    seed : int, optional
        Seeds torch's generator and the loaders' shuffling generators first, so that two
        runs with the same seed, model initialisation and data give bit-identical
        histories, even when they share a loader.
    device : optional
        Where to train; by default the GPU when there is one, else the CPU. The model is
        moved there; each batch is moved as it is used.
    progress : bool
        A progress bar (in a notebook) or one line per epoch (elsewhere).
    live_plot : bool
        In a notebook, redraw the loss and accuracy curves after each epoch. When
        epochs are shorter than a few drawings, some redraws are skipped so that the
        plot costs at most a fifth of the run; the last epoch is always drawn.

    Returns
    -------
    History
        If the loss becomes infinite or NaN, training stops with a message naming the
        epoch and step, and the history up to that point is returned.
    """
    _check_arguments(model, train_loader, loss_fn, optimizer, val_loader)
    epochs = validation.check_int(epochs, "epochs", minimum=1)
    if seed is not None:
        _seed_everything(validation.check_int(seed, "seed"), train_loader, val_loader)
    device = _default_device() if device is None else torch.device(device)
    model.to(device)

    metrics = _default_metrics(_first_target(train_loader)) if metrics is None else dict(metrics)
    _check_monitor(early_stopping, _columns(val_loader is not None, metrics))

    n_steps = len(train_loader) if isinstance(train_loader, Sized) else 0
    history = History(steps_per_epoch=n_steps)
    reporter = make_reporter(epochs, n_steps, progress=progress, live_plot=live_plot)
    best_value, best_state, best_epoch, waited = None, None, None, 0
    for epoch in range(1, epochs + 1):
        row = _run_epoch(
            model, train_loader, loss_fn, optimizer, val_loader, metrics, history, reporter, epoch
        )
        if row is None:
            break
        history.rows.append(row)
        reporter.end_epoch(history)
        if early_stopping is None:
            continue
        value = row[early_stopping.monitor]
        if early_stopping.improved(value, best_value):
            best_value, best_epoch, waited = value, epoch, 0
            if early_stopping.restore_best_weights:
                best_state = copy.deepcopy(model.state_dict())
            continue
        waited += 1
        if waited >= early_stopping.patience:
            history.stopped_early = True
            history.stop_reason = (
                f"early stopping after epoch {epoch}: {early_stopping.monitor} has not "
                f"improved for {waited} epochs; the best was epoch "
                f"{history.best_epoch(early_stopping.monitor, early_stopping.mode)}"
            )
            break
    if best_state is not None:
        model.load_state_dict(best_state)
        history.restored_epoch = best_epoch
    reporter.close(history)
    return history


def _check_monitor(early_stopping: EarlyStopping | None, columns: list[str]) -> None:
    """Raise unless early stopping monitors one of the history's ``columns``."""
    if early_stopping is not None and early_stopping.monitor not in columns:
        raise ValueError(
            f"early_stopping monitors {early_stopping.monitor!r}, which is not a column; "
            f"the history will have {columns}"
        )


def _seed_everything(seed: int, *loaders: Iterable | None) -> None:
    """Seed torch's global generator and each loader's own shuffling generator."""
    torch.manual_seed(seed)
    for loader in loaders:
        generator = getattr(loader, "generator", None)
        if isinstance(generator, torch.Generator):
            generator.manual_seed(seed)


def _check_arguments(model, train_loader, loss_fn, optimizer, val_loader) -> None:
    """Type checks of :func:`fit`'s arguments, before anything runs."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    _check_loader(train_loader, "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader")


def _divergence_advice(loss: float, lr: float) -> str:
    """What to try after the loss became ``loss`` (inf or NaN) at learning rate ``lr``."""
    lower_rate = f"a lower learning rate (for example a tenth of {lr:g})"
    if math.isnan(loss):
        return (
            "Check the batch for NaN or inf (torch.isfinite), a log of 0 in the loss, "
            f"or try {lower_rate}"
        )
    return f"The weights have blown up; try {lower_rate}"


def _run_epoch(
    model, train_loader, loss_fn, optimizer, val_loader, metrics, history, reporter, epoch
) -> dict[str, float] | None:
    """One epoch of :func:`fit`: its row, or ``None`` if training diverged."""
    started = time.perf_counter()
    seen_outputs, seen_targets = [], []

    def on_step(step: int, loss: float, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        history.step_losses.append(loss)
        if metrics:
            seen_outputs.append(outputs.cpu())
            seen_targets.append(targets.cpu())
        reporter.step(epoch, step, loss)

    try:
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, on_step=on_step)
    except TrainingDiverged as diverged:
        history.diverged_at = (epoch, diverged.step)
        history.stop_reason = (
            f"training stopped in epoch {epoch}: {diverged}. "
            + _divergence_advice(diverged.loss, optimizer.param_groups[0]["lr"])
        )
        return None
    row = {"epoch": epoch, "train_loss": train_loss}
    if metrics:
        outputs, targets = torch.cat(seen_outputs), torch.cat(seen_targets)
        row.update({f"train_{name}": float(fn(outputs, targets)) for name, fn in metrics.items()})
    if val_loader is not None:
        results = evaluate(model, val_loader, loss_fn, metrics)
        row.update({f"val_{name}": value for name, value in results.items()})
    row["lr"] = optimizer.param_groups[0]["lr"]
    row["seconds"] = time.perf_counter() - started
    return row


def is_erratic(
    values: Iterable[float], last: int = 5, jump: float = 5.0, ceiling: float = math.inf
) -> bool:
    """Whether a run's per-epoch losses never settled: only "erratic" is worth printing.

    True when, over its ``last`` epochs, the loss rises more than ``jump``-fold from one
    epoch to the next, or their mean is above ``ceiling`` (for a classifier, the loss of
    a guess, ln C), or any value is not finite. Such a run is chaotic: a different CPU
    (another kernel path of torch's arithmetic) prints different numbers for it, so a
    lesson says "erratic" rather than quoting its loss.

    Examples
    --------
    >>> is_erratic([0.5, 0.3, 0.2, 0.25, 0.2, 0.18])
    False
    >>> is_erratic([0.5, 0.3, 0.05, 0.4, 0.2, 0.18])
    True
    >>> is_erratic([9.0, 7.0, 8.0, 6.5, 7.5], ceiling=math.log(2))
    True
    """
    return erratic_reason(values, last, jump, ceiling) is not None


def erratic_reason(
    values: Iterable[float], last: int = 5, jump: float = 5.0, ceiling: float = math.inf
) -> str | None:
    """Which rule of :func:`is_erratic` a run trips, in words; ``None`` if it settled.

    The rules are tried in order (a value not finite, then the mean above ``ceiling``,
    then a ``jump``-fold rise) and the first that fires is named, with the rule's own
    numbers only: a chaotic run's losses are not worth printing.

    Examples
    --------
    >>> erratic_reason([0.5, 0.3, 0.2, 0.25, 0.2, 0.18]) is None
    True
    >>> erratic_reason([0.5, 0.3, 0.05, 0.4, 0.2, 0.18])
    'a rise of more than 5-fold from one epoch to the next in its last 5'
    >>> erratic_reason([9.0, 7.0, 8.0, 6.5, 7.5], ceiling=math.log(2))
    'a mean loss over its last 5 epochs above 0.69'
    """
    window = list(values)[-validation.check_int(last, "last", minimum=1) :]
    if not window:
        raise ValueError("values is empty: give the per-epoch losses of a run")
    if not all(math.isfinite(value) for value in window):
        return f"a loss that is not finite in its last {len(window)} epochs"
    if sum(window) / len(window) > ceiling:
        return f"a mean loss over its last {len(window)} epochs above {ceiling:.2f}"
    rises = [after / before for before, after in itertools.pairwise(window) if before > 0]
    if max(rises, default=0.0) > jump:
        last_epochs = f"in its last {len(window)}"
        return f"a rise of more than {jump:g}-fold from one epoch to the next {last_epochs}"
    return None


def fit_temperature(logits: torch.Tensor, target: torch.Tensor, steps: int = 200) -> float:
    """Temperature scaling: the T > 0 that minimises cross_entropy(logits / T, target).

    Fitted on held-out data (never the training set), ``T`` divides every logit: T > 1
    softens over-confident probabilities, T < 1 sharpens timid ones, and the argmax, so
    the accuracy, never changes (Guo et al., 2017). ``logits`` (N, C), ``target`` (N,).
    Minimises over log T with LBFGS (``steps`` iterations at most), so T stays positive.

    Examples
    --------
    >>> logits = torch.tensor([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    >>> round(fit_temperature(logits, torch.tensor([0, 1, 1, 0])), 2)  # 3 of 4 right
    3.64
    """
    validation.check_int(steps, "steps", minimum=1)
    logits, target = logits.detach().float(), validation.as_label_tensor(target, "target")
    if logits.dim() != 2 or len(logits) != len(target):
        raise ValueError(
            f"logits must be (N, C) and target (N,), got {tuple(logits.shape)} and "
            f"{tuple(target.shape)}"
        )
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.5, max_iter=steps)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), target)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.exp().item())
