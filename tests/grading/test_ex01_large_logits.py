"""BCE with logits: every stable form keeps full marks; the one-line form loses its digits.

Notebook 01 warns that ``log(1 + e^z) - z * y`` is 7 % off at z = 12 and exactly 0 from
z = 15 for y = 1. The grader's case of logits 10 to 16, compared with a relative tolerance
alone, is what makes that warning count: these tests pin both sides of it.
"""

import pytest
import torch
import torch.nn.functional as F

from lesson_pkg.grading.core.cases import InProcessSubmission, Tolerance
from lesson_pkg.grading.core.engine import compare, grade_case
from lesson_pkg.grading.exercises.ex01_losses import BCE_LOGITS

LARGE_LOGITS = next(case for case in BCE_LOGITS.cases if "logits 10 to 16" in case.title)


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def _log_one_plus_exp(x):
    return torch.logaddexp(torch.zeros_like(x), x)


STABLE = {
    "logaddexp": lambda z, y: y * _log_one_plus_exp(-z) + (1 - y) * _log_one_plus_exp(z),
    "softplus": lambda z, y: y * F.softplus(-z) + (1 - y) * F.softplus(z),
    "logsigmoid": lambda z, y: -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)),
    "softplus(-z) + (1 - y) z": lambda z, y: _log_one_plus_exp(-z) + (1 - y) * z,
}
ONE_LINE = {
    "logaddexp(0, z) - z y": lambda z, y: _log_one_plus_exp(z) - z * y,
    "softplus(z) - z y": lambda z, y: F.softplus(z) - z * y,
}


def _submission(form):
    def function(input, target, reduction="mean"):
        return _reduce(form(input, target), reduction)

    return InProcessSubmission({BCE_LOGITS.name: function})


@pytest.mark.parametrize("name", STABLE)
def test_every_stable_form_passes_every_case(name):
    failed = [
        case.title
        for case in BCE_LOGITS.cases
        if not grade_case(case, _submission(STABLE[name])).passed
    ]
    assert failed == []


def test_max_form_passes_the_large_logits_and_fails_only_at_its_kink():
    def kinked(z, y):
        return z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))

    failed = [
        case.title for case in BCE_LOGITS.cases if not grade_case(case, _submission(kinked)).passed
    ]
    assert len(failed) == 1 and "exactly 0" in failed[0]


@pytest.mark.parametrize("name", ONE_LINE)
def test_the_one_line_form_fails_only_the_large_logits_and_is_named(name):
    results = {
        case.title: grade_case(case, _submission(ONE_LINE[name])) for case in BCE_LOGITS.cases
    }
    failed = {title: result for title, result in results.items() if not result.passed}
    assert list(failed) == [LARGE_LOGITS.title]
    result = failed[LARGE_LOGITS.title]
    assert result.mistake is not None and result.mistake.id == "bce_logits_one_line"
    assert "expected [4.54e-05, 6.144e-06, 8.315e-07, 3.059e-07, 1.125e-07]" in result.message


def test_a_relative_tolerance_alone_tells_tiny_values_apart():
    expected, seven_percent_off = torch.tensor([6.144e-06]), torch.tensor([5.722e-06])
    assert compare(expected, seven_percent_off, "the result") is None  # within atol 1e-6
    relative = Tolerance(rtol=1e-4, atol=0.0)
    assert compare(expected, seven_percent_off, "the result", relative) is not None
    assert compare(expected, expected * (1 + 1e-6), "the result", relative) is None
