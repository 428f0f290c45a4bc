"""The autograder itself: fair to honest work, deaf to cheating, and right about mistakes.

Each test grades a whole submission folder through the real command line
(``python -m lesson_pkg.grade``) and reads the Gradescope JSON it writes.
"""

import json
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest
import torch

from lesson_pkg.checks import check
from lesson_pkg.grading import mistakes, protocol
from lesson_pkg.grading.cases import CASES, FILE_OF
from lesson_pkg.grading.stubs import make_stub, stubs_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "grader_fixtures"
TOTAL_POINTS = sum(case.points for case in CASES)


def grade(target: Path, tmp_path: Path, *options: str) -> tuple[dict, str]:
    """Grade ``target`` with the CLI; return the results.json and the printed table."""
    results = tmp_path / f"results-{target.name}.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.grade",
            "--target",
            str(target),
            "--json",
            str(results),
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(results.read_text()), completed.stdout


def scores_by_function(results: dict) -> dict[str, tuple[float, float]]:
    totals = defaultdict(lambda: [0.0, 0.0])
    for test in results["tests"]:
        function = test["name"].split(":")[0]
        totals[function][0] += test["score"]
        totals[function][1] += test["max_score"]
    return {function: tuple(points) for function, points in totals.items()}


def assert_valid_gradescope_json(results: dict) -> None:
    assert set(results) == {"score", "execution_time", "output", "tests"}
    assert results["score"] == sum(test["score"] for test in results["tests"])
    for number, test in enumerate(results["tests"], start=1):
        assert set(test) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        }
        assert test["number"] == str(number)
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
        assert test["name"].split(":")[0] in FILE_OF


def test_solutions_earn_full_marks_and_the_report_is_gradescope_json(tmp_path):
    results, table = grade(ROOT / "solutions", tmp_path)
    assert_valid_gradescope_json(results)
    assert results["score"] == TOTAL_POINTS
    assert all(test["status"] == "passed" for test in results["tests"])
    assert len(results["tests"]) == len(CASES)
    assert "all tests passed" in results["output"].lower()
    assert f"Score: {TOTAL_POINTS} / {TOTAL_POINTS}" in table


def test_untouched_stubs_earn_nothing_and_say_so(tmp_path):
    results, _ = grade(ROOT / "exercises", tmp_path)
    assert_valid_gradescope_json(results)
    assert results["score"] == 0
    assert all("not implemented yet" in test["output"] for test in results["tests"])


def test_correct_solutions_written_differently_keep_full_marks(tmp_path):
    results, _ = grade(FIXTURES / "alternative", tmp_path)
    failed = [(test["name"], test["output"]) for test in results["tests"] if test["score"] == 0]
    assert failed == []
    assert results["score"] == TOTAL_POINTS


def _rounds() -> list[list[mistakes.Mistake]]:
    """Mistakes grouped so that each round holds at most one per function."""
    per_function = defaultdict(list)
    for mistake in mistakes.MISTAKES:
        per_function[mistake.function].append(mistake)
    count = max(len(found) for found in per_function.values())
    return [
        [found[index] for found in per_function.values() if index < len(found)]
        for index in range(count)
    ]


@pytest.mark.parametrize("round_number", range(len(_rounds())))
def test_every_classic_mistake_loses_points_and_the_message_names_it(round_number, tmp_path):
    chosen = _rounds()[round_number]
    submission = mistakes.write_submission(ROOT / "solutions", chosen, tmp_path / "submission")
    results, _ = grade(submission, tmp_path)
    assert_valid_gradescope_json(results)
    scores = scores_by_function(results)
    for mistake in chosen:
        earned, possible = scores[mistake.function]
        assert earned < possible, f"{mistake.implementation.__name__} kept full marks"
        outputs = [
            test["output"]
            for test in results["tests"]
            if test["name"].startswith(f"{mistake.function}:") and test["score"] == 0
        ]
        assert any(mistake.hint in output for output in outputs), (
            f"{mistake.implementation.__name__}: no failing test names the mistake; "
            f"messages were {outputs}"
        )


def test_tampering_earns_nothing_and_the_grader_still_reports(tmp_path):
    submission = tmp_path / "tampered"
    shutil.copytree(FIXTURES / "tampered", submission)
    results, table = grade(submission, tmp_path, "--time-limit", "5")
    assert_valid_gradescope_json(results)
    scores = scores_by_function(results)
    honest = {"binary_accuracy"}
    for function, (earned, possible) in scores.items():
        assert earned == (possible if function in honest else 0), function
    messages = {
        test["name"].split(":")[0]: test["output"]
        for test in results["tests"]
        if test["score"] == 0
    }
    assert "implement it yourself" in messages["mse_loss"]  # a built-in saved at import
    assert "took longer than 5 s" in messages["mae_loss"]  # an infinite loop
    assert "MemoryError" in messages["binary_cross_entropy"]
    assert "ended the Python process" in messages["cross_entropy"]  # os._exit(0) + fake prints
    assert "unreadable" in messages["hinge_loss"]  # forged replies on the grader's pipe
    assert "could not be imported: your code called exit(0)" in messages["steps_per_epoch"]
    assert "importing lesson_pkg.metrics is not allowed" in messages["accuracy"]
    assert "Score: 3 / 56" in table  # the submission's conftest.py and test file never ran


def test_files_that_fail_to_import_earn_nothing_and_the_rest_is_graded(tmp_path):
    submission = tmp_path / "broken"
    shutil.copytree(FIXTURES / "broken", submission)
    shutil.copy(ROOT / "solutions" / "ex02_epochs.py", submission)  # this file is fine
    results, _ = grade(submission, tmp_path)
    scores = scores_by_function(results)
    for function, (earned, possible) in scores.items():
        expected = possible if FILE_OF[function] == "ex02_epochs" else 0
        assert earned == expected, function
    outputs = {test["name"].split(":")[0]: test["output"] for test in results["tests"]}
    assert "SyntaxError in ex01_losses.py line 6" in outputs["mse_loss"]
    assert "importing ex03_accuracy.py failed" in outputs["accuracy"]


def test_hidden_tests_are_published_later_and_the_summary_says_public(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_hidden.py").write_text(
        textwrap.dedent('''
        import pytest
        import torch

        @pytest.mark.points(3)
        def test_large_values(submission):
            """mse_loss: large values (hidden)"""
            outcome = submission.call("ex01_losses", "mse_loss",
                                      [torch.tensor([1000.0]), torch.tensor([0.0])], {}, [], None)
            assert outcome.ok, outcome.error
            assert outcome.result["value"].item() == 1e6, "the loss of an error of 1000"
    ''')
    )
    results, _ = grade(ROOT / "solutions", tmp_path, "--hidden", str(hidden))
    hidden_tests = [test for test in results["tests"] if test["visibility"] == "after_published"]
    assert [test["name"] for test in hidden_tests] == ["mse_loss: large values (hidden)"]
    assert hidden_tests[0]["score"] == 3
    assert results["score"] == TOTAL_POINTS + 3
    assert "all public tests passed" in results["output"].lower()
    assert "all tests passed" not in results["output"].lower()


def test_the_cli_rejects_a_missing_folder():
    completed = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--target", "no-such-folder"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 2
    assert "not a folder" in completed.stderr


def test_exercises_are_generated_from_the_current_solutions():
    for name, stub in stubs_for(ROOT / "solutions").items():
        assert (ROOT / "exercises" / name).read_text() == stub, (
            f"exercises/{name} is out of date: run `make exercises`"
        )


def test_stubs_keep_docstrings_and_drop_every_solution_line():
    source = (ROOT / "solutions" / "ex01_losses.py").read_text()
    stub = make_stub(source)
    assert "BEGIN SOLUTION" not in stub and "logsumexp(input" not in stub
    assert stub.count("raise NotImplementedError") == 5
    assert "Hints: ``torch.log(torch.softmax(...))`` overflows" in stub
    with pytest.raises(ValueError, match="unbalanced"):
        make_stub("### BEGIN SOLUTION\nx = 1\n")


def test_in_notebook_check_passes_a_solution_and_names_a_mistake():
    sys.path.insert(0, str(ROOT / "solutions"))
    try:
        import ex03_accuracy
    finally:
        sys.path.remove(str(ROOT / "solutions"))
    assert check(ex03_accuracy.accuracy).passed
    result = check(mistakes.accuracy_in_percent, name="accuracy")
    assert result.score == 0 and "not a percent" in str(result)
    with pytest.raises(ValueError, match="not an exercise"):
        check(print)


def test_protocol_round_trips_plain_data_and_refuses_anything_else():
    message = {
        "value": torch.arange(6.0).reshape(2, 3),
        "n": 3,
        "x": float("nan"),
        "items": [True, None, "text", torch.tensor(5, dtype=torch.int64)],
    }
    back = protocol.loads(protocol.dumps(message))
    assert torch.equal(back["value"], message["value"]) and back["n"] == 3
    assert back["items"][3].item() == 5 and back["x"] != back["x"]
    with pytest.raises(protocol.ProtocolError):
        protocol.dumps({"model": torch.nn.Linear(1, 1)})
    with pytest.raises(protocol.ProtocolError):
        protocol.loads(b'{"__tensor__": {"dtype": "float32", "shape": [4], "data": "AAAA"}}')
    with pytest.raises(protocol.ProtocolError):
        protocol.loads(b"\x80\x04pickle")
