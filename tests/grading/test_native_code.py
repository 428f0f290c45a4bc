"""The worker runs Python only, and the built-ins that give a forbidden loss's numbers are refused.

Each attack earned full marks before (the attack report of 2026-12-06): torch's CPU kernels
called by their C++ names through ``ctypes`` (``at::cpu::mse_loss_out``), a C extension
the submission writes out and imports, ``torch.vmap`` reaching ``l1_loss``'s
FuncTorchBatchedDecomposition kernel, and sibling built-ins (``huber_loss``,
``smooth_l1_loss``, ``margin_ranking_loss``, ``nll_loss_backward``,
``multilabel_soft_margin_loss``). The two native attacks are stored as text files beside
this test (the extension as base64, compiled for x86-64 Linux and CPython 3.11).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from submissions import (
    EVERY_ISOLATION,
    MODES,
    grade,
    grade_replaced,
    scores_by_function,
    write_submission,
)

from lesson_pkg.grading.runner import execution

DATA = Path(__file__).parent / "data"
EX01 = (
    "mse_loss",
    "mae_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
)

SIBLINGS = {
    "mse_loss": """
def mse_loss(input, target, reduction="mean"):
    return 2 * torch.nn.functional.huber_loss(input, target, reduction=reduction, delta=3e38)
""",
    "mae_loss": """
_ATEN = getattr(torch._ops, "_Op" + "Namespace")("aten")


def mae_loss(input, target, reduction="mean"):
    op = getattr(_ATEN, "l1" + "_loss")
    code = {"none": 0, "mean": 1, "sum": 2}[reduction]
    batched = torch.vmap(lambda a, b: op(a, b, code))
    return batched(input.unsqueeze(0), target.unsqueeze(0))[0]
""",
    "hinge_loss": """
def hinge_loss(input, target, margin=1.0, reduction="mean"):
    zeros = torch.zeros_like(input)
    return torch.nn.functional.margin_ranking_loss(
        input, zeros, target, margin=margin, reduction=reduction
    )
""",
    "cross_entropy": """
def cross_entropy(input, target, ignore_index=-100, reduction="mean"):
    log_probs = torch.log_softmax(input, dim=1)
    code = {"none": 0, "mean": 1, "sum": 2}[reduction]
    ones = torch.ones(len(target)) if code == 0 else torch.ones(())
    total = (target != ignore_index).sum().to(input.dtype)
    weights = torch.ops.aten.nll_loss_backward(
        ones, log_probs.detach(), target, None, code, ignore_index, total
    )
    picked = weights * log_probs
    return picked.sum(1) if code == 0 else picked.sum()
""",
    "binary_cross_entropy_with_logits": """
def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    flat = torch.nn.functional.multilabel_soft_margin_loss(
        input.reshape(-1, 1), target.reshape(-1, 1), reduction="none"
    )
    losses = flat.reshape(input.shape)
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()
""",
}


def _everything_else_full(scores: dict, refused: tuple[str, ...]) -> None:
    for function, (earned, possible) in scores.items():
        if function in refused:
            assert earned == 0, (function, earned)
        else:
            assert earned == possible, (function, earned, possible)


@pytest.mark.parametrize("environment", MODES)
@pytest.mark.parametrize("attack", ["cpu_symbol", "native_extension"])
def test_native_code_at_import_refuses_the_file(tmp_path, environment, monkeypatch, attack):
    if attack == "native_extension" and platform.machine() != "x86_64":
        pytest.skip("the stored extension is compiled for x86-64")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    head = (DATA / f"{attack}_mse_loss.py.txt").read_text()
    folder = write_submission([], tmp_path / attack, {"mse_loss": head})
    results, _ = grade(folder, tmp_path)
    _everything_else_full(scores_by_function(results), EX01)
    messages = " ".join(test["output"] for test in results["tests"])
    # the extension cannot even be mapped: no memory becomes executable after start-up
    expected = "ctypes.dlopen is not allowed" if attack == "cpu_symbol" else "failed to map"
    assert expected in messages


@pytest.mark.parametrize("environment", MODES)
def test_vmap_and_sibling_built_ins_earn_nothing(tmp_path, environment, monkeypatch):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    folder = write_submission([], tmp_path / "siblings", SIBLINGS)
    results, _ = grade(folder, tmp_path)
    _everything_else_full(scores_by_function(results), tuple(SIBLINGS))


def test_vmap_cannot_reach_the_decomposition_kernel():
    assert ("l1_loss", "FuncTorchBatchedDecomposition") in execution.kernels("l1_loss")
    op = torch._ops._OpNamespace("aten").l1_loss
    batched = torch.vmap(lambda a, b: op(a, b, 1))
    a, b = torch.randn(1, 3), torch.randn(1, 3)
    with execution.builtins_blocked(("l1_loss",)), pytest.raises(execution.ForbiddenCall) as error:
        batched(a, b)
    assert "refuses it in every function" in str(error.value)
    assert torch.allclose(batched(a, b), (a - b).abs().mean(dim=1))


NO_NEW_CODE = """
import mmap, os, torch
from lesson_pkg.grading.runner import confine, seccomp
confine.preload({}, lambda name: False)  # as the worker does
assert seccomp.forbid_new_code()
confine.refuse_native_calls()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(5):
    optimizer.zero_grad()
    model(torch.randn(32, 3)).pow(2).mean().backward()
    optimizer.step()
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC)
except OSError as error:
    print("exec", error.errno)
try:
    os.memfd_create("x")
except OSError as error:
    print("memfd", error.errno)
try:
    import ctypes
    ctypes.CDLL(None)
except confine.NativeCode as error:
    print("ctypes", error)
"""


@pytest.mark.skipif(platform.system() != "Linux", reason="seccomp is Linux's")
def test_no_new_executable_memory_nor_ctypes_and_training_still_runs():
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NO_NEW_CODE)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert "exec 1" in completed.stdout and "memfd 1" in completed.stdout
    assert "ctypes ctypes.dlopen is not allowed" in completed.stdout


# torch runs convolutions and recurrent layers on the CPU through oneDNN, which writes its
# kernels into new executable memory at run time: under the worker's seccomp filter they
# failed ("could not create a primitive"), a false fail of honest code. The worker turns
# oneDNN off (torch's own kernels run instead).

HONEST_CONVOLUTION = """
def steps_per_epoch(n_samples, batch_size, drop_last=False):
    image = torch.ones(1, 1, 5, 5, requires_grad=True)
    features = torch.nn.functional.conv2d(image, torch.ones(1, 1, 3, 3))
    sequence, _ = torch.nn.LSTM(2, 3)(torch.ones(4, 1, 2))
    (features.sum() + sequence.sum()).backward()
    assert features.shape == (1, 1, 3, 3) and float(features[0, 0, 0, 0]) == 9.0
    full, rest = divmod(n_samples, batch_size)
    return full if drop_last or rest == 0 else full + 1
"""


@pytest.mark.parametrize(("environment", "isolation"), EVERY_ISOLATION)
def test_honest_convolutions_and_recurrent_layers_run_in_the_worker(
    tmp_path, environment, isolation, monkeypatch
):
    replacement = {"steps_per_epoch": HONEST_CONVOLUTION}
    results = grade_replaced(tmp_path, monkeypatch, environment, isolation, replacement)
    earned, possible = scores_by_function(results)["steps_per_epoch"]
    outputs = [test["output"] for test in results["tests"] if test["score"] != test["max_score"]]
    assert possible > 0 and earned == possible, outputs[:1]


# A C extension can load in the worker only before the filter: the worker preloads those
# the files name. Named in a literal string it is preloaded too; a computed name cannot
# be, and the message says how to import it.

IMPORTS_BY_NAME = """
def steps_per_epoch(n_samples, batch_size, drop_last=False):
    import importlib
    special = importlib.import_module({name})
    full, rest = divmod(n_samples, batch_size)
    steps = full if drop_last or rest == 0 else full + 1
    return steps + int(special.expit(0.0) != 0.5)
"""


@pytest.mark.parametrize(
    ("name", "loads"), [('"scipy.special"', True), ('"sci" + "py.special"', False)]
)
def test_a_c_extension_named_in_a_string_loads_and_a_computed_name_is_explained(
    tmp_path, name, loads
):
    replacement = {"steps_per_epoch": IMPORTS_BY_NAME.format(name=name)}
    submission = write_submission([], tmp_path / "submission", replacement)
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out, "--isolation", "none")  # the filter is in every mode
    earned, possible = scores_by_function(results)["steps_per_epoch"]
    outputs = " ".join(test["output"] for test in results["tests"])
    if loads:
        assert possible > 0 and earned == possible, outputs[:300]
    else:
        assert earned == 0 and "C extension module could not load" in outputs
        assert "import it that way" in outputs
