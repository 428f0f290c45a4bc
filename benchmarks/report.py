"""One row per measurement, printed as a table: ours, the peer, their ratio, the target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A measurement of ours against a peer (or a budget), lower is better; seconds by default."""

    name: str
    ours: float
    peer: float
    peer_name: str
    target_ratio: float
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.ours / self.peer

    @property
    def within_target(self) -> bool:
        return self.ratio <= self.target_ratio


def format_table(title: str, rows: list[Row]) -> str:
    """A plain-text table that reads the same in a terminal and in a CI log."""
    header = f"{'measurement':<44} {'ours':>10} {'peer':>10} {'ratio':>7} {'target':>7}  ok"
    lines = [title, header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<44} {_value(row.ours, row.unit):>10} {_value(row.peer, row.unit):>10} "
            f"{row.ratio:>6.2f}x {row.target_ratio:>6.2f}x  {'yes' if row.within_target else 'NO'}"
        )
    return "\n".join(lines)


def _value(value: float, unit: str) -> str:
    return _seconds(value) if unit == "s" else f"{value:.2f} {unit}"


def _seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"
