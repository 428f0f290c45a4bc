"""The benchmarks' own arithmetic: ratios, spreads, verdicts and the loss profile's counts.

The timings themselves are not tested (they belong to the machine); what turns them into
a verdict is, on numbers worked out by hand.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from benchmarks import profile_losses
from benchmarks.report import Row, format_table
from lesson_pkg import losses
from lesson_pkg.losses import margins


def test_a_row_reports_the_median_round_ratio_and_its_interquartile_range():
    row = Row(
        "loss",
        ours=3.0,
        peer=1.0,
        peer_name="torch",
        target_ratio=1.5,
        ratios=(1.0, 1.2, 1.4, 1.6, 3.0),
    )
    assert row.ratio == 1.4  # the median round, not ours / peer = 3.0
    assert row.spread == (1.1, 2.3)  # statistics.quantiles, "exclusive" method
    assert row.within_target


def test_the_table_says_no_for_a_ratio_over_the_target():
    rows = [
        Row("fast", ours=1.0, peer=1.0, peer_name="torch", target_ratio=1.5),
        Row("slow", ours=2.0, peer=1.0, peer_name="torch", target_ratio=1.5),
    ]
    lines = format_table("title", rows).splitlines()
    assert lines[0] == "title" and "within 1.5x" in lines[1]
    assert lines[3].endswith("yes") and lines[4].endswith("NO") and "2.00x" in lines[4]


def test_a_long_name_widens_the_table_instead_of_shifting_its_columns():
    rows = [
        Row("a" * 60, ours=1.0, peer=1.0, peer_name="torch", target_ratio=1.5),
        Row("b", ours=1.0, peer=1.0, peer_name="torch", target_ratio=1.5),
    ]
    lines = format_table("title", rows).splitlines()
    assert lines[3].index("1.00x") == lines[4].index("1.00x") > 60


def test_kept_for_backward_counts_saved_temporaries_but_not_the_inputs():
    input, target = torch.rand(1000), torch.rand(1000)

    def squared_error(input, target):
        return (input - target).pow(2).mean()  # pow keeps the 1000-element error

    assert profile_losses._kept_for_backward(squared_error, input, target) == 4000
    assert profile_losses._kept_for_backward(F.mse_loss, input, target) == 0


def test_the_checks_share_is_measured_only_for_losses_that_read_their_data_to_check_it():
    input, labels = torch.randn(10_000), torch.randint(0, 2, (10_000,)).float() * 2 - 1
    check = margins._check_plus_minus_one
    assert profile_losses._checks_share(losses.mse_loss, input, labels) is None
    share = profile_losses._checks_share(losses.hinge_loss, input, labels)
    assert share is not None and 0.0 <= share <= 1.0
    assert margins._check_plus_minus_one is check  # the real check is put back
