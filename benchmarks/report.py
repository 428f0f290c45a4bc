"""One row per measurement, printed as a table: ours, the peer, their ratio, the target."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A measurement of ours against a peer (or a budget), lower is better; seconds by default.

    ``ratios`` are optional per-round ratios of ours to the peer, timed alternately in one
    process; when given, the row's ratio is their median and their interquartile range is
    printed beside it, so that a noisy machine shows as a wide spread, not as a false result.
    """

    name: str
    ours: float
    peer: float
    peer_name: str
    target_ratio: float
    unit: str = "s"
    ratios: tuple[float, ...] = ()

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else self.ours / self.peer

    @property
    def spread(self) -> tuple[float, float] | None:
        """The interquartile range of the per-round ratios, when there are any."""
        if len(self.ratios) < 2:
            return None
        first_quartile, _, third_quartile = statistics.quantiles(self.ratios, n=4)
        return first_quartile, third_quartile

    @property
    def within_target(self) -> bool:
        return self.ratio <= self.target_ratio


def format_table(title: str, rows: list[Row]) -> str:
    """A plain-text table that reads the same in a terminal and in a CI log.

    A spread column (the interquartile range of the per-round ratios) appears when the rows
    have one; the last column is headed "within Tx" when every row has the same target T.
    """
    with_spread = any(row.spread for row in rows)
    targets = {row.target_ratio for row in rows}
    verdict = f"within {targets.pop():g}x" if len(targets) == 1 else "ok"
    spread_header = f" {'spread (IQR)':>13}" if with_spread else ""
    width = max([44, *(len(row.name) for row in rows)])
    header = (
        f"{'measurement':<{width}} {'ours':>10} {'peer':>10} {'ratio':>7}{spread_header} "
        f"{'target':>7}  {verdict}"
    )
    lines = [title, header, "-" * len(header)]
    for row in rows:
        spread = f" {_spread(row.spread):>13}" if with_spread else ""
        lines.append(
            f"{row.name:<{width}} "
            f"{_value(row.ours, row.unit):>10} {_value(row.peer, row.unit):>10} "
            f"{row.ratio:>6.2f}x{spread} {row.target_ratio:>6.2f}x  "
            f"{'yes' if row.within_target else 'NO'}"
        )
    return "\n".join(lines)


def _spread(spread: tuple[float, float] | None) -> str:
    return "" if spread is None else f"{spread[0]:.2f}-{spread[1]:.2f}x"


def _value(value: float, unit: str) -> str:
    return _seconds(value) if unit == "s" else f"{value:.2f} {unit}"


def _seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"
