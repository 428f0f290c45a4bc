"""``fit`` against a minimal hand-written PyTorch loop: same model, data, epochs and seed.

The hand loop is the five canonical lines per step and nothing else. ``fit`` adds its
checks, the per-step loss record, the history and (when on) the progress output.
Targets: within 1.10x with the progress display off, within 1.25x with it on.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time

import torch
import torch.nn.functional as F

from benchmarks.report import Row
from lesson_pkg import data, training

EPOCHS, BATCH_SIZE, SAMPLES, FEATURES, CLASSES = 5, 64, 8192, 64, 10
RUNS = 5


def _setup(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(SAMPLES, FEATURES, generator=generator)
    labels = torch.randint(0, CLASSES, (SAMPLES,), generator=generator)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, 128), torch.nn.ReLU(), torch.nn.Linear(128, CLASSES)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, data.make_loader(features, labels, BATCH_SIZE, seed=seed), optimizer


def _hand_loop() -> float:
    model, loader, optimizer = _setup()
    start = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def _fit(progress: bool) -> float:
    model, loader, optimizer = _setup()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        training.fit(
            model,
            loader,
            F.cross_entropy,
            optimizer,
            EPOCHS,
            metrics={},
            progress=progress,
            device="cpu",
        )
    return time.perf_counter() - start


def run() -> list[Row]:
    timings: dict[str, list[float]] = {"hand": [], "off": [], "on": []}
    _hand_loop()  # warm-up
    for _ in range(RUNS):
        timings["hand"].append(_hand_loop())
        timings["off"].append(_fit(progress=False))
        timings["on"].append(_fit(progress=True))
    hand = statistics.median(timings["hand"])
    return [
        Row("fit, progress off", statistics.median(timings["off"]), hand, "hand loop", 1.10),
        Row("fit, progress on", statistics.median(timings["on"]), hand, "hand loop", 1.25),
    ]
