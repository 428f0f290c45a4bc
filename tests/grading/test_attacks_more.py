"""More attacks that the grader already handles: each earns nothing and grading goes on.

One submission carries several attacks at once (to keep the file fast), graded through
the real command line under strict isolation: an exercise file that is a symbolic link
to the solutions, results that are subclasses of int or numpy scalars or dicts, an
exception whose message is huge, and one whose ``str()`` itself raises.
"""

import os

import pytest
from submissions import ROOT, grade, scores_by_function, write_submission

from lesson_pkg.grading.runner import isolation

MODES = [
    pytest.param(
        {},
        marks=pytest.mark.skipif(
            not isolation.bubblewrap_works(), reason="bubblewrap cannot create namespaces here"
        ),
        id="namespaces",
    ),
    pytest.param(
        {"LESSON_PKG_BWRAP": ""},
        marks=pytest.mark.skipif(os.geteuid() != 0, reason="the user path needs a root grader"),
        id="user",
    ),
]

LIARS = {
    "steps_per_epoch": """
class _Liar(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    return _Liar(0)
""",
    "best_epoch": """
def best_epoch(values, mode="min"):
    import numpy
    return numpy.int64(-1)
""",
    "accuracy": """
def accuracy(input, target):
    raise ValueError("x" * 10_000_000)
""",
    "binary_accuracy": """
class _Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no message for you")


def binary_accuracy(input, target, threshold=0.5):
    raise _Unprintable()
""",
    "confusion_matrix": """
def confusion_matrix(input, target, num_classes=None):
    return {"__eq__": True, "value": 1}
""",
}


@pytest.mark.parametrize("environment", MODES)
def test_lying_results_links_and_bad_exceptions_earn_nothing(tmp_path, environment, monkeypatch):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission([], tmp_path / "submission", LIARS)
    losses = submission / "ex01_losses.py"
    losses.unlink()
    losses.symlink_to(ROOT / "solutions" / "ex01_losses.py")  # must not be read
    out = tmp_path / "out"
    out.mkdir()
    results, table = grade(submission, out, "--isolation", "strict", "--time-limit", "5")
    scores = scores_by_function(results)
    cheated = [*LIARS, "mse_loss", "mae_loss", "binary_cross_entropy", "cross_entropy"]
    for function in cheated:
        assert scores[function][0] == 0, (function, scores[function])
    for function in ("train_one_epoch", "fit"):  # honest functions keep their points
        assert scores[function][0] == scores[function][1], function
    outputs = {test["name"].split(":")[0]: test["output"] for test in results["tests"]}
    assert "missing from the submission" in outputs["mse_loss"]
    assert "expected a plain torch.Tensor" in outputs["steps_per_epoch"]
    assert "expected a plain torch.Tensor" in outputs["confusion_matrix"]
    assert all(len(test["output"]) < 2000 for test in results["tests"])
    assert "Isolation: none" not in table
