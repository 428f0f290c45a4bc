"""The reference losses against ``torch.nn.functional`` on generated inputs and classic examples.

Property-based: Hypothesis draws shapes, dtypes, reductions, weights and logit scales;
each case compares values and gradients with the torch function the loss mirrors.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import hinge_loss as sklearn_hinge_loss

from lesson_pkg import losses

DTYPES = st.sampled_from([torch.float32, torch.float64])
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
SHAPES = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
TOLERANCE = {
    torch.float32: {"rtol": 2e-5, "atol": 2e-5},
    torch.float64: {"rtol": 1e-9, "atol": 1e-9},
}


def _tensor(seed, shape, dtype, low=-1.0, high=1.0, requires_grad=True):
    generator = torch.Generator().manual_seed(seed)
    values = low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64)
    return values.to(dtype).requires_grad_(requires_grad)


def _assert_same_value_and_gradient(ours_fn, torch_fn, inputs, dtype):
    """Both functions agree on the output and on the gradient w.r.t. every input."""
    ours = ours_fn(*inputs)
    expected = torch_fn(*inputs)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype
    torch.testing.assert_close(ours, expected, equal_nan=True, **TOLERANCE[dtype])
    needs_grad = [t for t in inputs if isinstance(t, torch.Tensor) and t.requires_grad]
    cotangent = torch.rand_like(expected)
    our_grads = torch.autograd.grad(ours, needs_grad, cotangent)
    expected_grads = torch.autograd.grad(expected, needs_grad, cotangent)
    for mine, theirs in zip(our_grads, expected_grads, strict=True):
        assert torch.isfinite(mine).all()
        torch.testing.assert_close(mine, theirs, **TOLERANCE[dtype])


# --- Regression ----------------------------------------------------------------------


@given(shape=SHAPES, dtype=DTYPES, reduction=REDUCTIONS, seed=st.integers(0, 2**16))
def test_mse_and_mae_match_torch(shape, dtype, reduction, seed):
    prediction = _tensor(seed, shape, dtype, -1000, 1000)
    target = _tensor(seed + 1, shape, dtype, -1000, 1000)
    _assert_same_value_and_gradient(
        lambda a, b: losses.mse_loss(a, b, reduction=reduction),
        lambda a, b: F.mse_loss(a, b, reduction=reduction),
        (prediction, target),
        dtype,
    )
    _assert_same_value_and_gradient(
        lambda a, b: losses.mae_loss(a, b, reduction=reduction),
        lambda a, b: F.l1_loss(a, b, reduction=reduction),
        (prediction, target),
        dtype,
    )


@given(
    shape=SHAPES,
    dtype=DTYPES,
    reduction=REDUCTIONS,
    delta=st.floats(0.01, 10.0),
    seed=st.integers(0, 2**16),
)
def test_huber_matches_torch(shape, dtype, reduction, delta, seed):
    prediction = _tensor(seed, shape, dtype, -5, 5)
    target = _tensor(seed + 1, shape, dtype, -5, 5)
    _assert_same_value_and_gradient(
        lambda a, b: losses.huber_loss(a, b, reduction=reduction, delta=delta),
        lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=delta),
        (prediction, target),
        dtype,
    )


def test_classic_mse_example_is_one():
    assert losses.mse_loss(torch.tensor(3.0), torch.tensor(2.0)).item() == 1.0
    assert losses.mse_loss([3.0], [2.0]).item() == 1.0


def test_an_outlier_dominates_mse_but_not_mae():
    target = torch.zeros(10)
    prediction = torch.full((10,), 1.0)
    prediction[0] = 100.0
    # hand-computed: MSE = (100^2 + 9 * 1^2) / 10, MAE = (100 + 9 * 1) / 10
    assert losses.mse_loss(prediction, target).item() == pytest.approx(1000.9)
    assert losses.mae_loss(prediction, target).item() == pytest.approx(10.9)
    assert losses.huber_loss(prediction, target).item() == pytest.approx((99.5 + 9 * 0.5) / 10)


def test_linear_model_on_a_batch_with_mse_matches_nn_mseloss():
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 1)
    features, targets = torch.randn(16, 10), torch.randn(16, 1)
    predictions = model(features)
    torch.testing.assert_close(
        losses.mse_loss(predictions, targets), torch.nn.MSELoss()(predictions, targets)
    )


def test_one_gradient_step_lowers_the_loss():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    features, targets = torch.randn(32, 3), torch.randn(32, 1)
    before = losses.mse_loss(model(features), targets)
    before.backward()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter -= 0.1 * parameter.grad
    after = losses.mse_loss(model(features), targets)
    assert after.item() < before.item()


# --- Binary classification -----------------------------------------------------------


@given(
    shape=SHAPES,
    dtype=DTYPES,
    reduction=REDUCTIONS,
    with_weight=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_binary_cross_entropy_matches_torch(shape, dtype, reduction, with_weight, seed):
    probabilities = _tensor(seed, shape, dtype, 0.001, 0.999)
    target = _tensor(seed + 1, shape, dtype, 0.0, 1.0, requires_grad=False)
    weight = (
        _tensor(seed + 2, shape[-1:], dtype, -1.0, 2.0, requires_grad=False)
        if with_weight
        else None
    )
    _assert_same_value_and_gradient(
        lambda p, y: losses.binary_cross_entropy(p, y, weight=weight, reduction=reduction),
        lambda p, y: F.binary_cross_entropy(p, y, weight=weight, reduction=reduction),
        (probabilities, target),
        dtype,
    )


def test_binary_cross_entropy_floors_the_log_at_minus_100_like_torch():
    probabilities = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    target = torch.tensor([0.0, 1.0, 1.0, 0.0])
    ours = losses.binary_cross_entropy(probabilities, target, reduction="none")
    expected = F.binary_cross_entropy(probabilities, target, reduction="none")
    torch.testing.assert_close(ours, expected)
    assert ours.tolist() == [0.0, 0.0, 100.0, 100.0]
    ours.sum().backward()
    assert torch.isfinite(probabilities.grad).all()


@given(
    shape=SHAPES,
    dtype=DTYPES,
    reduction=REDUCTIONS,
    scale=st.sampled_from([1.0, 30.0, 1000.0]),
    with_weight=st.booleans(),
    with_pos_weight=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_binary_cross_entropy_with_logits_matches_torch(
    shape, dtype, reduction, scale, with_weight, with_pos_weight, seed
):
    logits = _tensor(seed, shape, dtype, -scale, scale)
    target = _tensor(seed + 1, shape, dtype, 0.0, 1.0, requires_grad=False)
    weight = (
        _tensor(seed + 2, shape[-1:], dtype, -1.0, 2.0, requires_grad=False)
        if with_weight
        else None
    )
    pos_weight = (
        _tensor(seed + 3, shape[-1:], dtype, 0.1, 5.0, requires_grad=False)
        if with_pos_weight
        else None
    )
    options = {"weight": weight, "reduction": reduction, "pos_weight": pos_weight}
    _assert_same_value_and_gradient(
        lambda z, y: losses.binary_cross_entropy_with_logits(z, y, **options),
        lambda z, y: F.binary_cross_entropy_with_logits(z, y, **options),
        (logits, target),
        dtype,
    )


@pytest.mark.parametrize("logit", [1000.0, -1000.0])
def test_binary_cross_entropy_with_logits_is_finite_at_extreme_logits(logit):
    logits = torch.tensor([logit, logit], requires_grad=True)
    target = torch.tensor([0.0, 1.0])
    loss = losses.binary_cross_entropy_with_logits(logits, target, reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(1000.0)
    assert torch.isfinite(logits.grad).all()


@given(
    n=st.integers(1, 20),
    margin=st.sampled_from([1.0, 0.5, 2.0]),
    seed=st.integers(0, 2**16),
)
def test_hinge_matches_hand_formula_and_sklearn(n, margin, seed):
    generator = np.random.default_rng(seed)
    scores = generator.normal(size=n)
    labels = generator.choice([-1, 1], size=n)
    ours = losses.hinge_loss(torch.tensor(scores), torch.tensor(labels), margin=margin)
    expected = np.mean(np.maximum(0.0, margin - labels * scores))
    assert ours.item() == pytest.approx(expected, rel=1e-12)
    if margin == 1.0 and len(set(labels)) == 2:  # sklearn infers the classes from y_true
        assert ours.item() == pytest.approx(
            sklearn_hinge_loss(labels, scores, labels=[-1, 1]), rel=1e-12
        )


def test_hinge_gradient_is_minus_label_inside_the_margin_and_zero_outside():
    scores = torch.tensor([2.0, 0.5, -0.5], requires_grad=True)
    labels = torch.tensor([1.0, 1.0, -1.0])
    losses.hinge_loss(scores, labels, reduction="sum").backward()
    assert scores.grad.tolist() == [0.0, -1.0, 1.0]


# --- Multi-class classification ------------------------------------------------------


def test_classic_cross_entropy_example():
    logits = torch.tensor([[2.0, 0.5, 0.1]])
    assert losses.cross_entropy(logits, torch.tensor([0])).item() == pytest.approx(0.3168, abs=5e-5)
    torch.testing.assert_close(
        losses.cross_entropy(logits, torch.tensor([0])),
        torch.nn.CrossEntropyLoss()(logits, torch.tensor([0])),
    )


@st.composite
def classification_cases(draw):
    """Logits (N, C[, d...]), class-index or probability targets, and the loss options."""
    dtype = draw(DTYPES)
    batch, classes = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    unbatched = draw(st.booleans()) and not extra
    shape = (classes,) if unbatched else (batch, classes, *extra)
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([1.0, 10.0, 1000.0]))
    logits = _tensor(seed, shape, dtype, -scale, scale)
    generator = torch.Generator().manual_seed(seed + 1)
    if draw(st.booleans()):
        target_shape = () if unbatched else (batch, *extra)
        target = torch.randint(0, classes, target_shape, generator=generator)
        ignore_index = draw(st.sampled_from([-100, 0, classes - 1]))
        if draw(st.booleans()) and target.dim():
            target[0] = ignore_index
        options = {"ignore_index": ignore_index}
    else:
        target = torch.softmax(
            torch.randn(shape, generator=generator, dtype=dtype) * 3, dim=0 if unbatched else 1
        )
        options = {}
    if draw(st.booleans()):
        options["weight"] = _tensor(seed + 2, (classes,), dtype, 0.1, 3.0, requires_grad=False)
    options["reduction"] = draw(REDUCTIONS)
    return logits, target, options, dtype


@given(case=classification_cases(), label_smoothing=st.sampled_from([0.0, 0.1, 0.7]))
def test_cross_entropy_matches_torch(case, label_smoothing):
    logits, target, options, dtype = case
    options = {**options, "label_smoothing": label_smoothing}
    if _all_ignored_mean(target, options):
        _assert_nan_like_torch(
            losses.cross_entropy(logits, target, **options),
            F.cross_entropy(logits, target, **options),
        )
        return
    _assert_same_value_and_gradient(
        lambda z: losses.cross_entropy(z, target, **options),
        lambda z: F.cross_entropy(z, target, **options),
        (logits,),
        dtype,
    )


@given(case=classification_cases())
def test_nll_loss_matches_torch(case):
    logits, target, options, dtype = case
    if target.is_floating_point():
        return
    log_probs = torch.log_softmax(logits, dim=0 if logits.dim() == 1 else 1)
    if _all_ignored_mean(target, options):
        _assert_nan_like_torch(
            losses.nll_loss(log_probs, target, **options), F.nll_loss(log_probs, target, **options)
        )
        return
    _assert_same_value_and_gradient(
        lambda lp: losses.nll_loss(lp, target, **options),
        lambda lp: F.nll_loss(lp, target, **options),
        (log_probs,),
        dtype,
    )


def _all_ignored_mean(target, options):
    ignored = target == options.get("ignore_index", -100)
    return not target.is_floating_point() and options["reduction"] == "mean" and ignored.all()


def _assert_nan_like_torch(ours, expected):
    assert torch.isnan(expected) and torch.isnan(ours)


@pytest.mark.parametrize("loss_fn", [losses.nll_loss, losses.cross_entropy])
def test_a_class_weight_that_requires_grad_is_an_error_as_in_torch(loss_fn):
    log_probs = torch.log_softmax(torch.randn(4, 3), dim=1)
    target, weight = torch.tensor([0, 1, 2, 0]), torch.rand(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.nll_loss(log_probs, target, weight=weight)
    with pytest.raises(ValueError, match=r"weight requires grad.*weight\.detach"):
        loss_fn(log_probs, target, weight=weight)
    detached = loss_fn(log_probs, target, weight=weight.detach())
    torch.testing.assert_close(detached, F.nll_loss(log_probs, target, weight=weight.detach()))


def test_all_ignored_mean_is_nan_as_in_torch():
    logits = torch.randn(2, 3)
    target = torch.tensor([-100, -100])
    assert torch.isnan(F.cross_entropy(logits, target))
    assert torch.isnan(losses.cross_entropy(logits, target))
    assert torch.isnan(losses.nll_loss(torch.log_softmax(logits, 1), target))


@pytest.mark.parametrize("logit", [1000.0, -1000.0])
def test_cross_entropy_is_finite_at_extreme_logits_where_the_naive_formula_is_not(logit):
    logits = torch.tensor([[logit, 0.0, -logit]], requires_grad=True)
    target = torch.tensor([2])
    naive = -torch.log(torch.exp(logits) / torch.exp(logits).sum(1, keepdim=True))[0, 2]
    assert not torch.isfinite(naive)
    loss = losses.cross_entropy(logits, target)
    loss.backward()
    torch.testing.assert_close(loss, F.cross_entropy(logits.detach(), target))
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


def test_log_softmax_matches_torch_and_stays_finite():
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    torch.testing.assert_close(losses.log_softmax(logits, dim=1), torch.log_softmax(logits, 1))


@given(
    batch=st.integers(1, 6),
    classes=st.integers(2, 5),
    p=st.sampled_from([1, 2]),
    margin=st.sampled_from([1.0, 0.3, -0.5]),
    with_weight=st.booleans(),
    dtype=DTYPES,
    reduction=REDUCTIONS,
    seed=st.integers(0, 2**16),
)
def test_multi_margin_matches_torch(batch, classes, p, margin, with_weight, dtype, reduction, seed):
    scores = _tensor(seed, (batch, classes), dtype, -2, 2)
    target = torch.randint(0, classes, (batch,), generator=torch.Generator().manual_seed(seed))
    weight = _tensor(seed + 1, (classes,), dtype, 0.1, 2.0, False) if with_weight else None
    options = {"p": p, "margin": margin, "weight": weight, "reduction": reduction}
    _assert_same_value_and_gradient(
        lambda s: losses.multi_margin_loss(s, target, **options),
        lambda s: F.multi_margin_loss(s, target, **options),
        (scores,),
        dtype,
    )


# --- Conventions shared by every loss ------------------------------------------------

PAIRS = {
    "mse_loss": (losses.mse_loss, [0.5, -1.0], [1.0, 2.0]),
    "mae_loss": (losses.mae_loss, [0.5, -1.0], [1.0, 2.0]),
    "huber_loss": (losses.huber_loss, [0.5, -1.0], [1.0, 2.0]),
    "binary_cross_entropy": (losses.binary_cross_entropy, [0.3, 0.8], [0.0, 1.0]),
    "binary_cross_entropy_with_logits": (
        losses.binary_cross_entropy_with_logits,
        [0.3, -2.0],
        [0.0, 1.0],
    ),
    "hinge_loss": (losses.hinge_loss, [0.3, -2.0], [1.0, -1.0]),
    "cross_entropy": (losses.cross_entropy, [[0.3, -2.0], [1.0, 0.0]], [1, 0]),
    "nll_loss": (losses.nll_loss, [[-0.3, -2.0], [-1.0, -0.5]], [1, 0]),
    "multi_margin_loss": (losses.multi_margin_loss, [[0.3, -2.0], [1.0, 0.0]], [1, 0]),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_lists_and_numpy_arrays_give_the_same_result_as_tensors(name):
    loss_fn, prediction, target = PAIRS[name]
    from_tensors = loss_fn(torch.tensor(prediction), torch.tensor(target))
    from_lists = loss_fn(prediction, target)
    from_numpy = loss_fn(np.array(prediction, dtype=np.float32), torch.tensor(target).numpy())
    torch.testing.assert_close(from_lists, from_tensors)
    torch.testing.assert_close(from_numpy, from_tensors)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_inputs_are_not_mutated(name):
    loss_fn, prediction, target = PAIRS[name]
    prediction, target = torch.tensor(prediction), torch.tensor(target)
    kept = prediction.clone(), target.clone()
    loss_fn(prediction, target)
    assert torch.equal(prediction, kept[0]) and torch.equal(target, kept[1])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_loss_is_differentiable_and_reduces_three_ways(name):
    loss_fn, prediction, target = PAIRS[name]
    prediction = torch.tensor(prediction, requires_grad=True)
    target = torch.tensor(target)
    per_element = loss_fn(prediction, target, reduction="none")
    total = loss_fn(prediction, target, reduction="sum")
    mean = loss_fn(prediction, target, reduction="mean")
    torch.testing.assert_close(total, per_element.sum())
    torch.testing.assert_close(mean, per_element.mean())
    mean.backward()
    assert prediction.grad is not None and torch.isfinite(prediction.grad).all()


# --- Hand-written backward passes (torch.autograd.Function) --------------------------

TEXTBOOK_GRADIENTS = {
    "mse_loss": lambda z, y, r: losses.mse_loss(z, y, reduction=r),
    "huber_loss": lambda z, y, r: losses.huber_loss(z, y, reduction=r, delta=0.7),
    "binary_cross_entropy_with_logits": (
        lambda z, y, r: losses.binary_cross_entropy_with_logits(z, y.sigmoid(), reduction=r)
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(TEXTBOOK_GRADIENTS))
def test_textbook_backward_passes_gradcheck_for_input_and_target(name, reduction):
    prediction = _tensor(0, (4, 3), torch.float64, -3, 3)
    target = _tensor(1, (4, 3), torch.float64, -3, 3)
    loss_fn = TEXTBOOK_GRADIENTS[name]
    assert torch.autograd.gradcheck(lambda z, y: loss_fn(z, y, reduction), (prediction, target))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_weight", [False, True])
def test_softmax_minus_one_hot_backward_passes_gradcheck(reduction, with_weight):
    logits = _tensor(0, (5, 4, 2), torch.float64, -3, 3)
    target = torch.tensor([[0, 3], [2, -100], [1, 1], [3, 0], [-100, 2]])
    weight = _tensor(1, (4,), torch.float64, 0.1, 2.0, False) if with_weight else None
    assert torch.autograd.gradcheck(
        lambda z: losses.cross_entropy(z, target, weight=weight, reduction=reduction), (logits,)
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_scattered_nll_backward_passes_gradcheck(reduction, with_weight, ignore_index):
    log_probs = _tensor(0, (5, 4, 2), torch.float64, -3, 0)
    target = torch.tensor([[0, 3], [2, ignore_index], [1, 1], [3, 0], [ignore_index, 2]])
    weight = _tensor(1, (4,), torch.float64, 0.1, 2.0, False) if with_weight else None
    assert torch.autograd.gradcheck(
        lambda lp: losses.nll_loss(
            lp, target, weight=weight, ignore_index=ignore_index, reduction=reduction
        ),
        (log_probs,),
    )


@pytest.mark.parametrize(
    "loss_fn",
    [
        lambda z: losses.mse_loss(z, torch.zeros(3, dtype=z.dtype)),
        lambda z: losses.huber_loss(z, torch.zeros(3, dtype=z.dtype)),
        lambda z: losses.binary_cross_entropy_with_logits(z, torch.ones(3, dtype=z.dtype)),
        lambda z: losses.cross_entropy(z.reshape(1, 3), torch.tensor([1])),
        lambda z: losses.nll_loss(z.reshape(1, 3), torch.tensor([1])),
    ],
    ids=["mse", "huber", "bce_with_logits", "cross_entropy", "nll"],
)
def test_a_second_derivative_raises_instead_of_being_wrong(loss_fn):
    logits = torch.tensor([0.5, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="differentiable once"):
        torch.autograd.grad(loss_fn(logits), logits, create_graph=True)
    (gradient,) = torch.autograd.grad(loss_fn(logits), logits)  # first derivatives still work
    assert torch.isfinite(gradient).all()
