"""Grading ``ex01_losses``: the loss functions.

For each graded function: its reference (``lesson_pkg.losses``), the torch built-ins it
may not call, its cases, and its classic mistakes, each hint above its wrong code. A
mistake uses only ``torch`` and ``math``, so that its source can be written into a
submission file as it is (the grader's tests do).
"""

from __future__ import annotations

import torch

from lesson_pkg import losses
from lesson_pkg.grading.core.cases import Check, Exercise, Tolerance
from lesson_pkg.grading.core.inputs import (
    class_logits,
    logit_pairs,
    pairs,
    probabilities,
    signs,
    vector,
)

EXERCISE = Exercise("ex01_losses")


def _bce_with_logits(input, target, reduction="mean"):
    return losses.binary_cross_entropy_with_logits(input, target, reduction=reduction)


# The built-ins that give the same numbers (huber_loss with a huge delta is half the
# squared error, smooth_l1_loss with a tiny beta the absolute error...) and the backward
# kernels of the forbidden losses are forbidden with them
SMOOTH_LOSSES = ("huber_loss", "smooth_l1_loss", "huber_loss_backward", "smooth_l1_loss_backward")
BCE_TWINS = (
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "soft_margin_loss_backward",
)

# --- mse_loss -----------------------------------------------------------------
MSE = EXERCISE.graded(
    "mse_loss", losses.mse_loss, forbidden=("mse_loss", "mse_loss_backward", *SMOOTH_LOSSES)
)
MSE.case("3.0 vs 2.0 gives 1.0", 1, lambda: [((vector(3.0), vector(2.0)), {})])
MSE.case(
    "reduction 'sum' and 'none'",
    1,
    lambda: [
        ((vector(1.0, 2.0, 4.0), vector(1.0, 0.0, 1.0)), {"reduction": "sum"}),
        ((vector(1.0, 2.0, 4.0), vector(1.0, 0.0, 1.0)), {"reduction": "none"}),
    ],
)
MSE.case("every rank (0-3) with every reduction", 2, lambda: pairs(1))
MSE.case("gradients", 2, lambda: pairs(2), Check.GRADIENT)
MSE.case("inputs are not changed", 1, lambda: pairs(3)[::5], Check.UNCHANGED)


@MSE.mistake("your result is the sum, not the mean: check `reduction`")
def mse_sum_instead_of_mean(input, target, reduction="mean"):
    losses = (input - target) ** 2
    return losses if reduction == "none" else losses.sum()


@MSE.mistake("you took a square root: MSE is the mean of the squares, not its root")
def mse_root_mean_square(input, target, reduction="mean"):
    losses = (input - target) ** 2
    if reduction == "none":
        return losses
    return losses.mean().sqrt() if reduction == "mean" else losses.sum().sqrt()


@MSE.mistake("the errors are not squared: square `input - target`")
def mse_not_squared(input, target, reduction="mean"):
    losses = input - target
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@MSE.mistake(
    "you divided by the batch size, len(input), not by the number of elements: "
    "use .mean(), which counts every element of every dimension"
)
def mse_mean_over_batch(input, target, reduction="mean"):
    losses = (input - target) ** 2
    return {"none": losses, "mean": losses.sum() / len(input), "sum": losses.sum()}[reduction]


@MSE.mistake(
    "the reduction is ignored: your function always returns the mean, also for "
    "reduction='sum' and 'none'"
)
def mse_ignores_reduction(input, target, reduction="mean"):
    return ((input - target) ** 2).mean()


@MSE.mistake(
    "MSE has no 1/2: the 0.5 * e ** 2 convention (Huber's quadratic part) halves every "
    "loss; use (input - target) ** 2"
)
def mse_halved(input, target, reduction="mean"):
    losses = 0.5 * (input - target) ** 2
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


# --- mae_loss -----------------------------------------------------------------
MAE = EXERCISE.graded("mae_loss", losses.mae_loss, forbidden=("l1_loss", *SMOOTH_LOSSES))
MAE.case("1 and 2 vs 1 and 5 gives 1.5", 1, lambda: [((vector(1.0, 2.0), vector(1.0, 5.0)), {})])
MAE.case("every rank (0-3) with every reduction", 2, lambda: pairs(4))
MAE.case("gradients", 1, lambda: pairs(5), Check.GRADIENT)


@MAE.mistake(
    "you squared the errors (a copy of mse_loss?): MAE takes the absolute value of each "
    "error, (input - target).abs(), and does not square it"
)
def mae_squares_errors(input, target, reduction="mean"):
    losses = (input - target) ** 2
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@MAE.mistake("your result is the sum, not the mean: check `reduction`")
def mae_sum_instead_of_mean(input, target, reduction="mean"):
    losses = (input - target).abs()
    return losses if reduction == "none" else losses.sum()


@MAE.mistake("take the absolute value of each error before averaging")
def mae_without_abs(input, target, reduction="mean"):
    losses = input - target
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@MAE.mistake(
    "you divided by the batch size, len(input), not by the number of elements: "
    "use .mean(), which counts every element of every dimension"
)
def mae_mean_over_batch(input, target, reduction="mean"):
    losses = (input - target).abs()
    return {"none": losses, "mean": losses.sum() / len(input), "sum": losses.sum()}[reduction]


@MAE.mistake(
    "the reduction is ignored: your function always returns the mean, also for "
    "reduction='sum' and 'none'"
)
def mae_ignores_reduction(input, target, reduction="mean"):
    return (input - target).abs().mean()


# --- binary_cross_entropy -----------------------------------------------------
BCE = EXERCISE.graded(
    "binary_cross_entropy",
    losses.binary_cross_entropy,
    forbidden=BCE_TWINS,
)
BCE.case("0.9 and 0.2 against 1 and 0", 1, lambda: [((vector(0.9, 0.2), vector(1.0, 0.0)), {})])
BCE.case(
    "probabilities of exactly 0 and 1 (log floored at -100)",
    1,
    lambda: [((vector(0.0, 1.0, 0.0, 1.0), vector(0.0, 1.0, 1.0, 0.0)), {"reduction": "none"})],
)
BCE.case("every rank (0-3) with every reduction", 2, lambda: probabilities(6))
BCE.case("gradients", 2, lambda: probabilities(7), Check.GRADIENT)


@BCE.mistake("the (1 - y) * log(1 - p) term is missing: it punishes a high p when y = 0")
def bce_missing_negative_term(input, target, reduction="mean"):
    losses = -(target * torch.log(input).clamp(min=-100))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake("the sign is wrong: the loss is minus the log-likelihood")
def bce_without_minus_sign(input, target, reduction="mean"):
    losses = target * torch.log(input).clamp(min=-100) + (1 - target) * torch.log(1 - input).clamp(
        min=-100
    )
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake("log(0) is -inf: floor each log at -100 with .clamp(min=-100), as torch does")
def bce_log_not_floored(input, target, reduction="mean"):
    losses = -(target * torch.log(input) + (1 - target) * torch.log(1 - input))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


HALF_FLOORED = (
    "floor both logs at -100, log(p) and log(1 - p): an unfloored log(0) is -inf, and "
    "0 * -inf is nan, so it breaks the loss even where its term is multiplied by 0"
)


@BCE.mistake(HALF_FLOORED)
def bce_only_log_p_floored(input, target, reduction="mean"):
    losses = -(target * torch.log(input).clamp(min=-100) + (1 - target) * torch.log(1 - input))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake(HALF_FLOORED)
def bce_only_log_not_p_floored(input, target, reduction="mean"):
    losses = -(target * torch.log(input) + (1 - target) * torch.log(1 - input).clamp(min=-100))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake(
    "you clamped the probability, not the log: torch floors each log at -100, "
    "torch.log(p).clamp(min=-100), so a certain wrong answer costs 100, not -log(eps)"
)
def bce_clamps_probability(input, target, reduction="mean"):
    p = input.clamp(1e-7, 1 - 1e-7)
    losses = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


LOG_PLUS_EPSILON = (
    "you added a small eps inside the log, log(p + eps): a certain wrong answer then "
    "costs -log(eps) (27.6 for 1e-12), not 100; floor the log instead, as torch does: "
    "torch.log(p).clamp(min=-100)"
)


@BCE.mistake(LOG_PLUS_EPSILON)
def bce_log_plus_1e_12(input, target, reduction="mean"):
    losses = -(target * torch.log(input + 1e-12) + (1 - target) * torch.log(1 - input + 1e-12))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake(LOG_PLUS_EPSILON)
def bce_log_plus_1e_8(input, target, reduction="mean"):
    losses = -(target * torch.log(input + 1e-8) + (1 - target) * torch.log(1 - input + 1e-8))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake(LOG_PLUS_EPSILON)
def bce_log_plus_1e_7(input, target, reduction="mean"):
    losses = -(target * torch.log(input + 1e-7) + (1 - target) * torch.log(1 - input + 1e-7))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE.mistake("your result is the sum, not the mean: check `reduction`")
def bce_sum_instead_of_mean(input, target, reduction="mean"):
    losses = -(
        target * torch.log(input).clamp(min=-100)
        + (1 - target) * torch.log(1 - input).clamp(min=-100)
    )
    return losses if reduction == "none" else losses.sum()


@BCE.mistake(
    "you divided by the batch size, len(input), not by the number of elements: "
    "use .mean(), which counts every element of every dimension"
)
def bce_mean_over_batch(input, target, reduction="mean"):
    losses = -(
        target * torch.log(input).clamp(min=-100)
        + (1 - target) * torch.log(1 - input).clamp(min=-100)
    )
    return {"none": losses, "mean": losses.sum() / len(input), "sum": losses.sum()}[reduction]


# --- binary_cross_entropy_with_logits -----------------------------------------
BCE_LOGITS = EXERCISE.graded(
    "binary_cross_entropy_with_logits",
    _bce_with_logits,
    forbidden=BCE_TWINS,
)
BCE_LOGITS.case(
    "logits 2.0 and -1.0 against 1 and 0", 1, lambda: [((vector(2.0, -1.0), vector(1.0, 0.0)), {})]
)
BCE_LOGITS.case(
    "logits of ±100 and ±1000 stay finite",
    2,
    lambda: [
        (
            (vector(100.0, -100.0, 1000.0, -1000.0), vector(0.0, 1.0, 1.0, 1.0)),
            {"reduction": "none"},
        ),
        ((vector(-200.0, 200.0), vector(1.0, 0.0)), {"reduction": "sum"}),
    ],
)
BCE_LOGITS.case(
    "logits 10 to 16 for a 1 keep their small losses to 4 digits (not 0 from z = 15)",
    2,
    lambda: [((vector(10.0, 12.0, 14.0, 15.0, 16.0), vector(*[1.0] * 5)), {"reduction": "none"})],
    tolerance=Tolerance(rtol=1e-4, atol=0.0),
)
BCE_LOGITS.case("every rank (0-3) with every reduction", 2, lambda: logit_pairs(20))
BCE_LOGITS.case(
    "gradients, extreme logits included",
    2,
    lambda: [*logit_pairs(21), *logit_pairs(22, scale=300.0)[::4]],
    Check.GRADIENT,
)
BCE_LOGITS.case(
    "gradient at a logit of exactly 0, where a zero-initialised model starts",
    1,
    lambda: [
        ((vector(0.0, 0.0, 0.0, 3.0), vector(1.0, 0.0, 1.0, 0.0)), {}),
        ((vector(0.0, -2.0), vector(0.0, 1.0)), {"reduction": "sum"}),
    ],
    Check.GRADIENT,
)
BCE_LOGITS.case("inputs are not changed", 1, lambda: logit_pairs(23)[::5], Check.UNCHANGED)


@BCE_LOGITS.mistake(
    "the one-line form log(1 + e^z) - z * y cancels digits for large z with y = 1 "
    "(7 % off at z = 12, exactly 0 from z = 15): use "
    "y * log(1 + e^-z) + (1 - y) * log(1 + e^z), each log(1 + e^x) with "
    "torch.logaddexp(torch.zeros_like(x), x)"
)
def bce_logits_one_line(input, target, reduction="mean"):
    losses = torch.logaddexp(torch.zeros_like(input), input) - input * target
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "an inf or nan here comes from an exp that overflows (in float32, exp(x) is inf for "
    "x above about 89, so log1p(exp(x)) is inf) or from a log of 0 (sigmoid(-200) is 0): "
    "compute each log(1 + e^x) with torch.logaddexp(torch.zeros_like(x), x)"
)
def bce_logits_log1p_of_exp(input, target, reduction="mean"):
    losses = target * torch.log1p(torch.exp(-input)) + (1 - target) * torch.log1p(torch.exp(input))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "log1p(exp(z)) - z * y breaks twice: exp(z) overflows to inf for z above about 89, and "
    "the subtraction cancels digits for large z with y = 1 (0 from z = 15): use "
    "y * log(1 + e^-z) + (1 - y) * log(1 + e^z), each log(1 + e^x) with "
    "torch.logaddexp(torch.zeros_like(x), x)"
)
def bce_logits_naive_one_line(input, target, reduction="mean"):
    losses = torch.log1p(torch.exp(input)) - input * target
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "sigmoid then log breaks for large logits: sigmoid(-200) is 0 in float32 and "
    "log(0) is -inf; use the stable form y * log(1 + exp(-z)) + (1 - y) * log(1 + exp(z)), "
    "with torch.logaddexp(torch.zeros_like(z), x) for log(1 + exp(x))"
)
def bce_logits_sigmoid_then_log(input, target, reduction="mean"):
    probabilities = torch.sigmoid(input)
    losses = -(target * torch.log(probabilities) + (1 - target) * torch.log(1 - probabilities))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "flooring log(sigmoid(z)) at -100 caps the loss of a confident mistake at 100: "
    "use the stable form y * log(1 + exp(-z)) + (1 - y) * log(1 + exp(z)) "
    "(torch.logaddexp), which stays finite"
)
def bce_logits_floored_log(input, target, reduction="mean"):
    probabilities = torch.sigmoid(input)
    log_p = torch.log(probabilities).clamp(min=-100)
    log_not_p = torch.log(1 - probabilities).clamp(min=-100)
    losses = -(target * log_p + (1 - target) * log_not_p)
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "exp(-z) overflows for large negative logits: compute log(1 + exp(z)) as "
    "torch.logaddexp(torch.zeros_like(z), z), which never overflows"
)
def bce_logits_softplus_without_abs(input, target, reduction="mean"):
    losses = torch.log(1 + torch.exp(-input)) + (1 - target) * input
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake("the term for y = 0 is missing: add (1 - y) * log(1 + exp(z))")
def bce_logits_missing_negative_term(input, target, reduction="mean"):
    losses = target * (input.clamp(min=0) - input + torch.log1p(torch.exp(-input.abs())))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake("your result is the sum, not the mean: check `reduction`")
def bce_logits_sum_instead_of_mean(input, target, reduction="mean"):
    losses = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return losses if reduction == "none" else losses.sum()


KINKED = (
    "max(z, 0) (z.clamp(min=0) or torch.relu(z)) and |z| have kinks at z = 0, where "
    "autograd gives the gradient 1 - y (clamp) or -y (relu) instead of "
    "sigmoid(0) - y = 0.5 - y: compute log(1 + exp(z)) with "
    "torch.logaddexp(torch.zeros_like(z), z), smooth everywhere"
)


@BCE_LOGITS.mistake(KINKED)
def bce_logits_kinked_at_zero(input, target, reduction="mean"):
    losses = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(KINKED)
def bce_logits_relu_kinked_at_zero(input, target, reduction="mean"):
    losses = torch.relu(input) - input * target + torch.log1p(torch.exp(-input.abs()))
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@BCE_LOGITS.mistake(
    "you divided by the batch size, len(input), not by the number of elements: "
    "use .mean(), which counts every element of every dimension"
)
def bce_logits_mean_over_batch(input, target, reduction="mean"):
    zeros = torch.zeros_like(input)
    losses = target * torch.logaddexp(zeros, -input) + (1 - target) * torch.logaddexp(zeros, input)
    return {"none": losses, "mean": losses.sum() / len(input), "sum": losses.sum()}[reduction]


# --- cross_entropy ------------------------------------------------------------
CROSS_ENTROPY = EXERCISE.graded(
    "cross_entropy",
    losses.cross_entropy,
    forbidden=(
        "cross_entropy",
        "cross_entropy_loss",
        "nll_loss",
        "nll_loss_nd",
        "nll_loss2d",
        "nll_loss_forward",
        "nll_loss2d_forward",
        "nll_loss_backward",
        "nll_loss2d_backward",
        "kl_div",
    ),
)
CROSS_ENTROPY.case(
    "logits [2.0, 0.5, 0.1] with label 0 give 0.3168",
    1,
    lambda: [((torch.tensor([[2.0, 0.5, 0.1]]), torch.tensor([0])), {})],
)
CROSS_ENTROPY.case("30 generated batches and reductions", 2, lambda: class_logits(8, 30))
CROSS_ENTROPY.case("logits of ±1000", 2, lambda: class_logits(9, 6, scale=1000.0))
CROSS_ENTROPY.case("ignore_index", 2, lambda: class_logits(10, 8, ignore=True))
CROSS_ENTROPY.case("gradients", 2, lambda: class_logits(11, 6), Check.GRADIENT)
CROSS_ENTROPY.case("inputs are not changed", 1, lambda: class_logits(12, 3), Check.UNCHANGED)


@CROSS_ENTROPY.mistake("you used the softmax probability itself: cross-entropy takes its log")
def cross_entropy_softmax_without_log(input, target, ignore_index=-100, reduction="mean"):
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    probabilities = torch.softmax(input, dim=1)
    losses = -probabilities[torch.arange(len(target)), classes] * kept
    return {"none": losses, "mean": losses.sum() / kept.sum(), "sum": losses.sum()}[reduction]


LOG_OF_SOFTMAX = (
    "log(softmax(z)) breaks for large logits (the softmax of a class far below the "
    "largest is exactly 0, and its log is -inf; exp(z) itself overflows): use "
    "z - torch.logsumexp(z, dim=1, keepdim=True)"
)


@CROSS_ENTROPY.mistake(LOG_OF_SOFTMAX)
def cross_entropy_log_of_softmax(input, target, ignore_index=-100, reduction="mean"):
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    log_probs = torch.log(torch.softmax(input, dim=1))
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    return {"none": losses, "mean": losses.sum() / kept.sum(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake(LOG_OF_SOFTMAX)
def cross_entropy_naive_log_softmax(input, target, ignore_index=-100, reduction="mean"):
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    probabilities = torch.exp(input) / torch.exp(input).sum(dim=1, keepdim=True)
    losses = -torch.log(probabilities[torch.arange(len(target)), classes]) * kept
    return {"none": losses, "mean": losses.sum() / kept.sum(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake(
    "torch.logsumexp(z, dim=1) has shape (N,): subtract it from the (N, C) logits with "
    "keepdim=True, shape (N, 1), or each row takes another row's log-sum-exp"
)
def cross_entropy_without_keepdim(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    return {"none": losses, "mean": losses.sum() / kept.sum(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake(
    "log-sum-exp runs over each row's classes, dim=1 with keepdim=True: dim=0 mixes the "
    "samples of one class"
)
def cross_entropy_logsumexp_over_samples(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=0)
    kept = target != ignore_index
    losses = -log_probs[torch.arange(len(target)), torch.where(kept, target, 0)] * kept
    return {"none": losses, "mean": losses.sum() / kept.sum(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake(
    "targets equal to ignore_index must add nothing and not be counted in the mean"
)
def cross_entropy_forgets_ignore_index(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    classes = target.clamp(min=0, max=input.shape[1] - 1)
    losses = -log_probs[torch.arange(len(target)), classes]
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake("the mean must divide by the number of targets that are not ignored")
def cross_entropy_mean_over_all_samples(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@CROSS_ENTROPY.mistake("your result is the sum, not the mean: check `reduction`")
def cross_entropy_sum_instead_of_mean(input, target, ignore_index=-100, reduction="mean"):
    log_probs = input - torch.logsumexp(input, dim=1, keepdim=True)
    kept = target != ignore_index
    classes = torch.where(kept, target, 0)
    losses = -log_probs[torch.arange(len(target)), classes] * kept
    return losses if reduction == "none" else losses.sum()


# --- hinge_loss ---------------------------------------------------------------
HINGE = EXERCISE.graded(
    "hinge_loss",
    losses.hinge_loss,
    forbidden=(
        "hinge_embedding_loss",
        "multi_margin_loss",
        "multi_margin_loss_backward",
        "soft_margin_loss",
        "margin_ranking_loss",
    ),
)
HINGE.case(
    "scores 2, 0.5, -1 with label +1",
    1,
    lambda: [((vector(2.0, 0.5, -1.0), vector(1.0, 1.0, 1.0)), {"reduction": "none"})],
)
HINGE.case(
    "margins other than 1",
    1,
    lambda: [
        ((vector(2.0, 0.5, -1.0), vector(1.0, -1.0, 1.0)), {"margin": 0.5}),
        ((vector(2.0, 0.5, -1.0), vector(1.0, -1.0, 1.0)), {"margin": 2.0, "reduction": "sum"}),
    ],
)
HINGE.case("every rank (0-3) with every reduction", 2, lambda: signs(13))
HINGE.case("gradients", 1, lambda: signs(14), Check.GRADIENT)


@HINGE.mistake("the max(0, ...) is missing: correct predictions beyond the margin must cost 0")
def hinge_without_max(input, target, margin=1.0, reduction="mean"):
    losses = margin - target * input
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@HINGE.mistake("the margin is missing: use max(0, margin - y * s)")
def hinge_without_margin(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(-target * input, min=0)
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@HINGE.mistake("the labels are already -1 or +1: mapping them as if 0/1 (2y - 1) makes -1 a -3")
def hinge_labels_mapped_from_zero_one(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(margin - (2 * target - 1) * input, min=0)
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@HINGE.mistake("the margin is fixed at 1: use the `margin` argument, max(0, margin - y * s)")
def hinge_margin_fixed_at_one(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(1 - target * input, min=0)
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]


@HINGE.mistake("your result is the sum, not the mean: check `reduction`")
def hinge_sum_instead_of_mean(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(margin - target * input, min=0)
    return losses if reduction == "none" else losses.sum()


@HINGE.mistake(
    "you divided by the batch size, len(input), not by the number of elements: "
    "use .mean(), which counts every element of every dimension"
)
def hinge_mean_over_batch(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(margin - target * input, min=0)
    return {"none": losses, "mean": losses.sum() / len(input), "sum": losses.sum()}[reduction]


@HINGE.mistake("you squared the hinge: the loss is max(0, margin - y * s), not its square")
def hinge_squared(input, target, margin=1.0, reduction="mean"):
    losses = torch.clamp(margin - target * input, min=0) ** 2
    return {"none": losses, "mean": losses.mean(), "sum": losses.sum()}[reduction]
