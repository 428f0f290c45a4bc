"""What each loss spends its time on: its operations, the memory it allocates and keeps.

For each loss of :mod:`benchmarks.bench_losses`, ours beside its ``torch.nn.functional``
twin on the same large inputs, from ``torch.profiler`` and autograd's saved-tensor hooks:

- ``allocated``: the memory one forward allocates, in MB. Each full-size temporary is one
  more pass over memory; a fused torch kernel allocates the per-element losses at most once;
- ``kept``: the memory the autograd graph keeps for the backward beyond the inputs, in MB;
- ``checks``: the share of our forward (without grad) spent in the checks that read every
  value (value ranges, class indices, labels of -1 and +1). Shape, dtype and argument
  checks cost microseconds whatever the size of the data;
- ``where our forward's time goes``: the operations that take most of it (self time).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from unittest import mock

import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks import bench_losses
from lesson_pkg import validation
from lesson_pkg.losses import margins

DATA_CHECKS = [
    (validation, "check_in_range"),
    (validation, "check_class_targets"),
    (margins, "_check_plus_minus_one"),
]
"""The checks that read every value; the profile times the forward with them and without."""

REPEATS = 30
PROFILED_CALLS = 20


def _profile(loss_fn: Callable, input: torch.Tensor, target: torch.Tensor) -> profile:
    """The profiler's record of :data:`PROFILED_CALLS` forwards without grad."""
    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if input.device.type == "cuda" else []
    )
    loss_fn(input, target)  # warm up
    with torch.no_grad(), profile(activities=activities, profile_memory=True) as record:
        for _ in range(PROFILED_CALLS):
            loss_fn(input, target)
    return record


def _allocated_bytes(record: profile) -> float:
    """Bytes allocated per forward: every allocation the profiler saw, over the calls."""
    allocated = sum(
        max(event.self_cpu_memory_usage, 0) + max(event.self_device_memory_usage, 0)
        for event in record.events()
    )
    return allocated / PROFILED_CALLS


def _top_operations(record: profile, device: torch.device, count: int = 4) -> str:
    """The operations that take most of the time (on ``device``), with their share of it."""
    averages = [event for event in record.key_averages() if event.key.startswith("aten::")]

    def self_time(event) -> float:
        on_gpu = device.type == "cuda"
        return event.self_device_time_total if on_gpu else event.self_cpu_time_total

    total = sum(self_time(event) for event in averages) or 1.0
    heaviest = sorted(averages, key=self_time, reverse=True)[:count]
    return ", ".join(
        f"{event.key.removeprefix('aten::')} {self_time(event) / total:.0%}" for event in heaviest
    )


def _kept_for_backward(loss_fn, input: torch.Tensor, target: torch.Tensor) -> int:
    """Bytes the autograd graph keeps beyond the storage of the inputs."""
    leaf = input.detach().clone().requires_grad_()
    given = {leaf.untyped_storage().data_ptr(), target.untyped_storage().data_ptr()}
    kept: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in given:
            kept[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss_fn(leaf, target)
    return sum(kept.values())


def _checks_share(loss_fn, input: torch.Tensor, target: torch.Tensor) -> float | None:
    """The share of a forward spent in :data:`DATA_CHECKS` (None if it runs none of them).

    Timed in turns: with the checks, and with stand-ins that do nothing in their place.
    """
    originals = {(module, name): getattr(module, name) for module, name in DATA_CHECKS}
    stand_ins = {key: mock.Mock(return_value=None) for key in originals}

    def forward_seconds() -> float:
        return bench_losses._seconds(lambda: loss_fn(input, target), input.device)

    with_checks, without_checks = [], []
    try:
        with torch.no_grad():
            for _ in range(REPEATS):
                _install(stand_ins)
                without_checks.append(forward_seconds())
                _install(originals)
                with_checks.append(forward_seconds())
    finally:
        _install(originals)
    if not any(stand_in.called for stand_in in stand_ins.values()):
        return None
    total = statistics.median(with_checks)
    return max(0.0, total - statistics.median(without_checks)) / total


def _share(share: float | None) -> str:
    return "none" if share is None else f"{share:.0%}"


def _install(functions: dict) -> None:
    for (module, name), function in functions.items():
        setattr(module, name, function)


def run(device: torch.device) -> str:
    """The profile table of every loss on ``device``, as text."""
    header = (
        f"{'loss':<34} {'allocated (MB)':>15} {'kept (MB)':>11} {'checks':>7}  "
        f"where our forward's time goes (self time)\n"
        f"{'':<34} {'ours/torch':>15} {'ours/torch':>11} {'ours':>7}"
    )
    lines = [
        f"What one forward of each loss does, ours / torch.nn.functional [{device.type}]",
        header,
        "-" * 112,
    ]
    bench_losses.settle_allocator(device)
    for name, ours, theirs, input, target in bench_losses._cases(device):
        records = [_profile(fn, input, target) for fn in (ours, theirs)]
        allocated = [_allocated_bytes(record) / 1e6 for record in records]
        kept = [_kept_for_backward(fn, input, target) / 1e6 for fn in (ours, theirs)]
        checks = _share(_checks_share(ours, input, target))
        lines.append(
            f"{name:<34} {f'{allocated[0]:.0f}/{allocated[1]:.0f}':>15} "
            f"{f'{kept[0]:.0f}/{kept[1]:.0f}':>11} {checks:>7}  "
            f"{_top_operations(records[0], device)}"
        )
    return "\n".join(lines)
