"""Each reference loss against torch's own test samples (the OpInfo database).

torch tests every ``torch.nn.functional`` loss on a list of sample inputs: shapes from
0-d to 5-d, every reduction, weights that broadcast, ``ignore_index``, probability
targets. Our function must give the same value and the same gradients on each of them.
"""

import pytest
import torch
from torch.testing._internal.common_methods_invocations import op_db

from lesson_pkg import losses

OURS = {
    "nn.functional.mse_loss": losses.mse_loss,
    "nn.functional.l1_loss": losses.mae_loss,
    "nn.functional.huber_loss": losses.huber_loss,
    "nn.functional.binary_cross_entropy": losses.binary_cross_entropy,
    "nn.functional.binary_cross_entropy_with_logits": losses.binary_cross_entropy_with_logits,
    "nn.functional.cross_entropy": losses.cross_entropy,
    "nn.functional.nll_loss": losses.nll_loss,
    "nn.functional.multi_margin_loss": losses.multi_margin_loss,
}
OPS = {op.name: op for op in op_db if op.name in OURS and op.variant_test_name == ""}
TOLERANCE = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-6},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}


def test_every_mirrored_loss_has_torch_samples():
    assert sorted(OPS) == sorted(OURS)


def _samples(name, dtype):
    op = OPS[name]
    torch.manual_seed(0)
    return list(op.sample_inputs("cpu", dtype, requires_grad=True))


def _grad_inputs(sample):
    tensors = [sample.input, *sample.args, *sample.kwargs.values()]
    return [t for t in tensors if isinstance(t, torch.Tensor) and t.requires_grad]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("name", sorted(OURS))
def test_values_and_gradients_match_torch_on_its_samples(name, dtype):
    samples = _samples(name, dtype)
    assert samples, f"torch has no samples for {name}"
    for sample in samples:
        expected = OPS[name].op(sample.input, *sample.args, **sample.kwargs)
        ours = OURS[name](sample.input, *sample.args, **sample.kwargs)
        where = f"{name} on input {tuple(sample.input.shape)}, kwargs {sample.kwargs}"
        assert ours.shape == expected.shape, where
        assert ours.dtype == expected.dtype, where
        torch.testing.assert_close(ours, expected, equal_nan=True, **TOLERANCE[dtype], msg=where)

        inputs = _grad_inputs(sample)
        cotangent = torch.rand_like(expected)
        expected_grads = torch.autograd.grad(expected, inputs, cotangent, allow_unused=True)
        our_grads = torch.autograd.grad(ours, inputs, cotangent, allow_unused=True)
        for mine, theirs in zip(our_grads, expected_grads, strict=True):
            theirs = torch.zeros_like(mine) if theirs is None and mine is not None else theirs
            mine = torch.zeros_like(theirs) if mine is None and theirs is not None else mine
            if mine is not None:
                torch.testing.assert_close(mine, theirs, **TOLERANCE[dtype], msg=where)
