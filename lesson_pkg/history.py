"""The record of a training run: one row per epoch, and the loss of every step.

:class:`History` is plain data, filled in by :func:`lesson_pkg.training.fit` and read by
:mod:`lesson_pkg.plots` (``plots.plot_loss_and_accuracy(history)`` draws it); it imports
neither, and says what happened as data (``diverged_at``, ``stopped_early``) that each
reader puts in its own words.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BOOKKEEPING", "History"]

BOOKKEEPING = ("epoch", "lr", "seconds")
"""The columns that record the run (when, at what rate, how long), not how the model does."""


@dataclass
class History:
    """What happened during :func:`~lesson_pkg.training.fit`: a row per epoch, a loss per step.

    ``rows[i]`` is a dict with ``epoch`` (from 1), ``train_loss``, ``val_loss`` (with a
    validation loader), ``train_<metric>`` and ``val_<metric>`` for each metric, ``lr``
    and ``seconds``. ``step_losses`` holds the training loss of each step, in order;
    ``steps_per_epoch`` lets per-step and per-epoch curves share one axis.

    Why training ended, as data: ``diverged_at`` is ``(epoch, step)`` (both from 1) where
    the loss became infinite or NaN, or ``None``; ``stopped_early`` is ``True`` when early
    stopping ended training; ``restored_epoch`` is the epoch whose weights early stopping
    put back into the model (``restore_best_weights``), or ``None``. ``stop_reason`` is
    the same in words for a person to read (what ``fit`` prints), or ``None`` when all
    epochs ran; code reads the data, never the sentence.

    Examples
    --------
    >>> history = History(rows=[{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.4}])
    >>> history.column("val_loss")
    [0.5, 0.4]
    >>> history.best_epoch("val_loss")
    2
    >>> History(rows=[{"epoch": 1, "train_loss": 0.9, "train_accuracy": 0.5}]).metric_columns
    ['train_accuracy']
    """

    rows: list[dict[str, float]] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)
    steps_per_epoch: int = 0
    stop_reason: str | None = None
    restored_epoch: int | None = None
    diverged_at: tuple[int, int] | None = None
    stopped_early: bool = False

    @property
    def columns(self) -> list[str]:
        """The column names, in the order of the first row."""
        return list(self.rows[0]) if self.rows else []

    @property
    def metric_columns(self) -> list[str]:
        """The metric columns (``train_accuracy``, ``val_f1``, ...), in the rows' order.

        Every column but the losses and the bookkeeping (``epoch``, ``lr``, ``seconds``).
        """
        not_metrics = {*BOOKKEEPING, "train_loss", "val_loss"}
        return [name for name in self.columns if name not in not_metrics]

    @property
    def ended_early(self) -> bool:
        """Whether training ended before its last epoch: it diverged, or stopped early."""
        return self.stopped_early or self.diverged_at is not None

    def column(self, name: str) -> list[float]:
        """All epochs' values of one column."""
        self._check_column(name)
        return [row[name] for row in self.rows]

    def _check_column(self, name: str) -> None:
        if not self.rows:
            raise ValueError("the history is empty: no epoch has finished")
        if name not in self.rows[0]:
            raise ValueError(f"unknown column {name!r}; the history has {self.columns}")

    def best_epoch(self, column: str = "val_loss", mode: str = "min") -> int:
        """The epoch (counted from 1) with the lowest (``mode="min"``) or highest value.

        Ties go to the earliest epoch.
        """
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        values = self.column(column)
        best = min(values) if mode == "min" else max(values)
        return int(self.rows[values.index(best)]["epoch"])

    def to_dict(self) -> dict[str, list[float]]:
        """The per-epoch table as ``{column: [value per epoch]}``."""
        return {name: self.column(name) for name in self.columns}

    def to_csv(self, path: str | Path | None = None) -> str:
        """The per-epoch table as CSV text, also written to ``path`` when given."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({name: repr(value) for name, value in row.items()} for row in self.rows)
        text = buffer.getvalue()
        if path is not None:
            Path(path).write_text(text)
        return text

    @classmethod
    def from_csv(cls, source: str | Path) -> History:
        """Read back a table written by :meth:`to_csv`, from a path or from CSV text."""
        text = (
            Path(source).read_text() if isinstance(source, Path) or "\n" not in source else source
        )
        rows = [
            {name: (int(value) if name == "epoch" else float(value)) for name, value in row.items()}
            for row in csv.DictReader(io.StringIO(text))
        ]
        return cls(rows=rows)
