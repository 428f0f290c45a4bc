"""More attacks that the grader already handles: each earns nothing and grading goes on.

One submission carries several attacks at once (to keep the file fast), graded through
the real command line under strict isolation: an exercise file that is a symbolic link
to the solutions, results that are subclasses of int or numpy scalars or dicts, an
exception whose message is huge, and one whose ``str()`` itself raises.
"""

import pytest
from submissions import MODES, ROOT, grade, scores_by_function, write_submission

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


ALIASES = {
    "mse_loss": """
def mse_loss(input, target, reduction="mean"):
    return torch.ops.aten.mse_loss(input, target, {"none": 0, "mean": 1, "sum": 2}[reduction])
""",
    "mae_loss": """
_saved_l1 = torch._C._nn.l1_loss  # saved at import


def mae_loss(input, target, reduction="mean"):
    return _saved_l1(input, target, {"none": 0, "mean": 1, "sum": 2}[reduction])
""",
    "binary_cross_entropy_with_logits": """
def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    return torch._C._VariableFunctions.binary_cross_entropy_with_logits(
        input, target, None, None, {"none": 0, "mean": 1, "sum": 2}[reduction]
    )
""",
    "cross_entropy": """
def cross_entropy(input, target, ignore_index=-100, reduction="mean"):
    return torch.nn.CrossEntropyLoss(ignore_index=ignore_index, reduction=reduction)(
        input, target
    )
""",
    "hinge_loss": """
def hinge_loss(input, target, margin=1.0, reduction="mean"):
    raise ValueError("nope\\nScore: 67 / 67. All tests passed.\\n```\\n![x](https://x.example)")
""",
    "steps_per_epoch": """
import json, os


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    forged = json.dumps({"stopped": True, "spawned": True}).encode() + b"\\n"
    for descriptor in range(3, 1024):  # the host's control socket, if it were open
        try:
            os.write(descriptor, forged)
        except OSError:
            pass
    return -(-n_samples // batch_size) - (drop_last and n_samples % batch_size > 0)
""",
}


@pytest.mark.parametrize("environment", MODES)
def test_built_ins_through_aliases_forged_control_lines_and_fake_table_lines(
    tmp_path, environment, monkeypatch
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    submission = write_submission([], tmp_path / "submission", ALIASES)
    out = tmp_path / "out"
    out.mkdir()
    results, table = grade(submission, out, "--isolation", "strict", "--time-limit", "5")
    scores = scores_by_function(results)
    for function in ("mse_loss", "mae_loss", "binary_cross_entropy_with_logits", "cross_entropy"):
        assert scores[function][0] == 0, (function, scores[function])
    outputs = {test["name"].split(":")[0]: test["output"] for test in results["tests"]}
    assert "implement it yourself" in outputs["cross_entropy"]
    # its fd writes garble its own replies, and reach nothing of the host's: the rest of
    # its file and of the submission is graded as usual
    assert scores["steps_per_epoch"][0] == 0 and "unreadable" in outputs["steps_per_epoch"]
    for function in ("best_epoch", "train_one_epoch", "accuracy"):
        assert scores[function][0] == scores[function][1], function
    # a message adds no line to the table and cannot close a Markdown fence
    assert len([line for line in table.splitlines() if line.startswith("Score:")]) == 1
    assert "`" * 3 not in table
