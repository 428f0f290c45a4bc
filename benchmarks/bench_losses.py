"""Each reference loss against its ``torch.nn.functional`` twin on a large batch.

The loss alone (forward) and with its gradient (forward and backward, what a training
step pays), same process, same inputs, median of ``torch.utils.benchmark``'s adaptive
runs. Target: within 1.5x.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils import benchmark

from benchmarks.report import Row
from lesson_pkg import losses

TARGET_RATIO = 1.5
ELEMENTS = 1_000_000
BATCH, CLASSES = 65_536, 100


def _cases(device: torch.device):
    generator = torch.Generator(device="cpu").manual_seed(0)

    def make(*shape, low=-1.0, high=1.0):
        values = low + (high - low) * torch.rand(*shape, generator=generator)
        return values.to(device)

    prediction, target = make(ELEMENTS), make(ELEMENTS)
    probabilities, labels01 = make(ELEMENTS, low=0.01, high=0.99), make(ELEMENTS).gt(0).float()
    signs = labels01 * 2 - 1
    logits = make(BATCH, CLASSES, low=-5, high=5)
    classes = torch.randint(0, CLASSES, (BATCH,), generator=generator).to(device)
    log_probs = torch.log_softmax(logits, dim=1)
    scores = make(BATCH // 8, CLASSES)
    score_classes = classes[: BATCH // 8]
    return [
        ("mse_loss", losses.mse_loss, F.mse_loss, prediction, target),
        ("mae_loss", losses.mae_loss, F.l1_loss, prediction, target),
        ("huber_loss", losses.huber_loss, F.huber_loss, prediction, target),
        (
            "binary_cross_entropy",
            losses.binary_cross_entropy,
            F.binary_cross_entropy,
            probabilities,
            labels01,
        ),
        (
            "binary_cross_entropy_with_logits",
            losses.binary_cross_entropy_with_logits,
            F.binary_cross_entropy_with_logits,
            prediction,
            labels01,
        ),
        ("cross_entropy (65,536 x 100)", losses.cross_entropy, F.cross_entropy, logits, classes),
        ("nll_loss (65,536 x 100)", losses.nll_loss, F.nll_loss, log_probs, classes),
        ("hinge_loss", losses.hinge_loss, _hinge_in_torch, prediction, signs),
        (
            "multi_margin_loss (8,192 x 100)",
            losses.multi_margin_loss,
            F.multi_margin_loss,
            scores,
            score_classes,
        ),
    ]


def _hinge_in_torch(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """torch has no binary hinge loss; its closest fused form is a ReLU of the margin."""
    return F.relu(1 - target * input).mean()


STATEMENTS = {
    "forward": "loss_fn(leaf, target)",
    "forward+backward": "torch.autograd.grad(loss_fn(leaf, target), leaf)",
}


def _time(loss_fn, input: torch.Tensor, target: torch.Tensor, statement: str) -> float:
    """Median seconds of one run of ``statement``."""
    leaf = input.detach().clone().requires_grad_(True)
    timer = benchmark.Timer(
        stmt=statement,
        globals={"torch": torch, "loss_fn": loss_fn, "leaf": leaf, "target": target},
    )
    return timer.blocked_autorange(min_run_time=0.3).median


def run(device: torch.device, pass_name: str) -> list[Row]:
    """One row per loss for ``pass_name``, "forward" or "forward+backward"."""
    statement = STATEMENTS[pass_name]
    return [
        Row(
            name=f"{name} [{device.type}]",
            ours=_time(ours, input, target, statement),
            peer=_time(theirs, input, target, statement),
            peer_name="torch.nn.functional",
            target_ratio=TARGET_RATIO,
        )
        for name, ours, theirs, input, target in _cases(device)
    ]
