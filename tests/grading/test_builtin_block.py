"""The block of the forbidden built-ins, layer by layer, and the worker's seccomp filter.

The dispatcher's kernel holds in every thread and with the dispatch modes switched off,
and goes on exit; the ops an honest answer needs stay open. The worker's block for good
leaves no handle to lift it, nor a kernel of torch's to save, and torch's Python twin
of the built-in (``torch._refs``) raises too. The seccomp filter (tried in
a fresh interpreter, which it changes for good) refuses every new program and nothing
else: fork, threads and torch's own thread pool still work.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
import threading

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import _disable_current_modes

from lesson_pkg.grading.exercises import every_forbidden, graded_functions
from lesson_pkg.grading.runner.execution import ForbiddenCall, builtins_blocked


def _in_a_thread(function):
    box: dict = {}

    def run():
        try:
            box["value"] = function()
        except BaseException as error:  # the error is what is checked
            box["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box


def test_the_built_in_is_refused_in_another_thread_and_without_the_mode_then_restored():
    prediction, target = torch.randn(5, 3), torch.randn(5, 3)
    aten_mse = torch._ops._OpNamespace("aten").mse_loss.default
    with builtins_blocked(("mse_loss",)):
        box = _in_a_thread(lambda: aten_mse(prediction, target, 1))
        assert isinstance(box.get("error"), ForbiddenCall), box
        with _disable_current_modes(), pytest.raises(ForbiddenCall):
            aten_mse(prediction.requires_grad_(), target, 1)
        assert torch.equal(F.l1_loss(prediction, target), (prediction - target).abs().mean())
    expected = ((prediction - target) ** 2).mean()
    assert torch.allclose(_in_a_thread(lambda: aten_mse(prediction, target, 1))["value"], expected)
    assert torch.allclose(F.mse_loss(prediction, target), expected)


def test_cross_entropy_blocked_leaves_log_softmax_open_and_comes_back():
    logits, labels = torch.randn(6, 4, requires_grad=True), torch.tensor([0, 1, 2, 3, 0, 1])
    expected = -F.log_softmax(logits, dim=1)[torch.arange(6), labels].mean()
    cross_entropy = next(graded for graded in graded_functions() if graded.name == "cross_entropy")
    with builtins_blocked(cross_entropy.forbidden):
        assert torch.isfinite(F.log_softmax(logits, dim=1)).all()
        with _disable_current_modes(), pytest.raises(ForbiddenCall):
            torch._ops._OpNamespace("aten").cross_entropy_loss.default(logits, labels)
    assert torch.allclose(F.cross_entropy(logits, labels), expected)


LOG_PROBABILITIES, LABELS = torch.randn(4, 3).log_softmax(1), torch.tensor([0, 1, 2, 0])
PROBABILITIES = torch.rand(4, 3)
IMAGES, PIXEL_LABELS = LOG_PROBABILITIES[..., None, None], LABELS[:, None, None]
ONE = torch.ones(())  # the gradient of a mean loss, for the backward kernels
# the arguments each forbidden aten operator takes; two probabilities unless named here
ARGUMENTS = {
    "nll_loss_forward": (LOG_PROBABILITIES, LABELS, None, 1, -100),
    "nll_loss2d_forward": (
        LOG_PROBABILITIES[..., None, None],
        LABELS[:, None, None],
        None,
        1,
        -100,
    ),
    "nll_loss2d": (IMAGES, PIXEL_LABELS),
    "nll_loss": (LOG_PROBABILITIES, LABELS),
    "nll_loss_nd": (LOG_PROBABILITIES, LABELS),
    "cross_entropy_loss": (LOG_PROBABILITIES, LABELS),
    "multi_margin_loss": (LOG_PROBABILITIES, LABELS),
    "margin_ranking_loss": (PROBABILITIES, PROBABILITIES.flip(0), torch.ones(4, 3)),
    "mse_loss_backward": (ONE, PROBABILITIES, PROBABILITIES.flip(0), 1),
    "soft_margin_loss_backward": (ONE, PROBABILITIES, PROBABILITIES.flip(0), 1),
    "binary_cross_entropy_backward": (ONE, PROBABILITIES, PROBABILITIES.flip(0), None, 1),
    "huber_loss_backward": (ONE, PROBABILITIES, PROBABILITIES.flip(0), 1, 1.0),
    "smooth_l1_loss_backward": (ONE, PROBABILITIES, PROBABILITIES.flip(0), 1, 1.0),
    "multi_margin_loss_backward": (ONE, LOG_PROBABILITIES, LABELS, 1, 1.0),
    "nll_loss_backward": (ONE, LOG_PROBABILITIES, LABELS, None, 1, -100, torch.tensor(4.0)),
    "nll_loss2d_backward": (ONE, IMAGES, PIXEL_LABELS, None, 1, -100, torch.tensor(4.0)),
}


def _finite(result) -> bool:
    """Whether a loss (or the loss and total weight of ``nll_loss_forward``) is finite."""
    loss = result[0] if isinstance(result, tuple) else result
    return bool(torch.isfinite(loss).all())


@pytest.mark.parametrize("name", every_forbidden())
def test_every_forbidden_aten_operator_is_refused_at_the_dispatcher(name):
    if not torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        assert not hasattr(torch._C._VariableFunctions, name)  # a Python function only
        return
    operator = getattr(torch._ops._OpNamespace("aten"), name).default
    arguments = ARGUMENTS.get(name, (PROBABILITIES, PROBABILITIES.flip(0)))
    assert _finite(operator(*arguments))  # the call itself works
    with builtins_blocked((name,)), _disable_current_modes():
        box = _in_a_thread(lambda: operator(*arguments))
    assert isinstance(box.get("error"), ForbiddenCall), (name, box)
    assert _finite(operator(*arguments))


FOR_GOOD_CHILD = textwrap.dedent(
    """
    import gc, threading
    import torch
    import torch._refs.nn.functional
    from lesson_pkg.grading.runner.execution import ForbiddenCall, block_for_good


    def outcome(attempt, into):
        try:
            attempt()
            into.append("ran")
        except ForbiddenCall:
            into.append("forbidden")
        except RuntimeError as error:
            into.append(str(error).split(" of ")[0])


    a, b = torch.randn(3), torch.randn(3)
    block_for_good(("mse_loss",))
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o).__name__ == "_DispatchModule"]
    kernel = torch.library.get_kernel("aten::mse_loss", "CPU")
    outcomes = []
    for attempt in (
        lambda: kernel.call_boxed(torch._C.DispatchKeySet("CPU"), a, b, 1),
        lambda: torch.nn.functional.mse_loss(a, b),
        lambda: torch._refs.nn.functional.mse_loss(a, b),
    ):
        thread = threading.Thread(target=outcome, args=(attempt, outcomes))
        thread.start()
        thread.join()
    assert torch.allclose(torch.nn.functional.l1_loss(a, b), (a - b).abs().mean())
    print(outcomes)
    """
)


def test_the_block_for_good_has_no_handle_and_holds_in_every_thread():
    completed = subprocess.run(
        [sys.executable, "-c", FOR_GOOD_CHILD], capture_output=True, text=True, timeout=120
    )
    expected = "['forbidden', 'forbidden', \"torch's Python version\"]"
    assert completed.stdout.strip() == expected, completed.stdout + completed.stderr


SECCOMP_CHILD = textwrap.dedent(
    """
    import ctypes, os, subprocess, sys, threading
    import torch
    from lesson_pkg.grading.runner import seccomp

    assert seccomp.forbid_new_programs()
    for argv in ([sys.executable, "-c", "pass"], ["/bin/true"]):
        try:
            subprocess.run(argv)
            raise SystemExit(f"ran {argv}")
        except PermissionError:
            pass
    x32_getpid = ctypes.CDLL(None, use_errno=True).syscall(seccomp.X32_SYSCALL_BIT | 39)
    assert platform_machine != "x86_64" or x32_getpid == -1
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    assert os.waitpid(pid, 0)[1] >> 8 == 7
    torch.set_num_threads(2)
    a = torch.randn(300, 300)
    thread = threading.Thread(target=lambda: (a @ a).sum())
    thread.start()
    thread.join()
    assert torch.allclose((a @ a)[0, 0], (a[0] * a[:, 0]).sum(), atol=1e-4)
    print("ok")
    """
)


@pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
    reason="the seccomp filter is written for Linux on x86-64 and AArch64",
)
def test_the_seccomp_filter_refuses_new_programs_and_nothing_else():
    script = f"platform_machine = {platform.machine()!r}\n" + SECCOMP_CHILD
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0 and completed.stdout.strip() == "ok", completed.stderr
