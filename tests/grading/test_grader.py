"""The autograder itself: fair to honest work, deaf to cheating, and right about mistakes.

Each test grades a whole submission folder through the real command line
(``python -m lesson_pkg.grade``) and reads the Gradescope JSON it writes.
"""

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest
import torch
from submissions import FIXTURES, ROOT, grade, scores_by_function, write_submission

from lesson_pkg.checks import check, load_exercise
from lesson_pkg.grading.core.inputs import RANKS, REDUCTIONS, grid_of
from lesson_pkg.grading.core.mistakes import Mistake
from lesson_pkg.grading.exercises import cases_for, ex01_losses, file_of, mistakes_for
from lesson_pkg.grading.exercises import ex03_accuracy as accuracy_grader
from lesson_pkg.grading.runner import protocol
from lesson_pkg.maintenance.exercise_stubs import make_stub, write_stubs

CASES = cases_for()
FUNCTIONS = [case.function for case in CASES]
TOTAL_POINTS = sum(case.points for case in CASES)


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
        assert test["name"].split(":")[0] in FUNCTIONS


def test_solutions_earn_full_marks_and_the_report_is_gradescope_json(tmp_path):
    results, table = grade(ROOT / "solutions", tmp_path)
    assert_valid_gradescope_json(results)
    assert results["score"] == TOTAL_POINTS
    assert all(test["status"] == "passed" for test in results["tests"])
    assert len(results["tests"]) == len(CASES)
    assert "all tests passed" in results["output"].lower()
    assert f"Score: {TOTAL_POINTS} / {TOTAL_POINTS}" in table


def test_untouched_stubs_earn_nothing_and_say_so(tmp_path, exercise_stubs):
    results, table = grade(exercise_stubs, tmp_path)
    assert_valid_gradescope_json(results)
    assert results["score"] == 0
    assert all("not implemented yet" in test["output"] for test in results["tests"])
    # the table says it in one line that names every function
    assert table.count("not written yet") == 1
    last_line = table.split("not written yet")[1]
    assert all(function in last_line for function in FUNCTIONS)


def test_correct_solutions_written_differently_keep_full_marks(tmp_path):
    results, _ = grade(FIXTURES / "alternative", tmp_path)
    failed = [(test["name"], test["output"]) for test in results["tests"] if test["score"] == 0]
    assert failed == []
    assert results["score"] == TOTAL_POINTS


def _rounds() -> list[list[Mistake]]:
    """Mistakes grouped so that each round holds at most one per function."""
    per_function = defaultdict(list)
    for mistake in mistakes_for():
        per_function[mistake.function].append(mistake)
    count = max(len(found) for found in per_function.values())
    return [
        [found[index] for found in per_function.values() if index < len(found)]
        for index in range(count)
    ]


@pytest.mark.parametrize("round_number", range(len(_rounds())))
def test_every_classic_mistake_loses_points_and_the_message_names_it(round_number, tmp_path):
    chosen = _rounds()[round_number]
    submission = write_submission(chosen, tmp_path / "submission")
    results, _ = grade(submission, tmp_path)
    assert_valid_gradescope_json(results)
    scores = scores_by_function(results)
    for mistake in chosen:
        earned, possible = scores[mistake.function]
        assert earned < possible, f"{mistake.id} kept full marks"
        outputs = [
            test["output"]
            for test in results["tests"]
            if test["name"].startswith(f"{mistake.function}:") and test["score"] == 0
        ]
        assert any(mistake.hint in output for output in outputs), (
            f"{mistake.id}: no failing test names the mistake; messages were {outputs}"
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
    assert "importing lesson_pkg" in messages["accuracy"]  # the reference's package
    assert "is not allowed while grading" in messages["accuracy"]
    honest_points = sum(case.points for case in CASES if case.function in honest)
    assert f"Score: {honest_points} / {TOTAL_POINTS}" in table  # its conftest.py never ran


def test_files_that_fail_to_import_earn_nothing_and_the_rest_is_graded(tmp_path):
    submission = tmp_path / "broken"
    shutil.copytree(FIXTURES / "broken", submission)
    shutil.copy(ROOT / "solutions" / "ex02_epochs.py", submission)  # this file is fine
    results, _ = grade(submission, tmp_path)
    scores = scores_by_function(results)
    for function, (earned, possible) in scores.items():
        expected = possible if file_of(function) == "ex02_epochs" else 0
        assert earned == expected, function
    outputs = {test["name"].split(":")[0]: test["output"] for test in results["tests"]}
    assert "SyntaxError in ex01_losses.py line 6" in outputs["mse_loss"]
    assert "importing ex03_accuracy.py failed" in outputs["accuracy"]


def test_hidden_tests_are_published_later_and_the_public_score_shows_first(tmp_path):
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

        @pytest.mark.points(2)
        def test_steps(submission):
            """steps_per_epoch: one sample is one step (hidden)"""
            assert submission.run("steps_per_epoch", 1, 32) == 1, "one sample is one step"
        ''')
    )
    results, _ = grade(ROOT / "solutions", tmp_path, "--hidden", str(hidden))
    hidden_tests = [test for test in results["tests"] if test["visibility"] == "after_published"]
    assert [test["name"] for test in hidden_tests] == [
        "mse_loss: large values (hidden)",
        "steps_per_epoch: one sample is one step (hidden)",
    ]
    assert [test["score"] for test in hidden_tests] == [3, 2]
    assert results["score"] == TOTAL_POINTS + 5
    # the output students see before publication counts the public tests only
    assert f"Score: {TOTAL_POINTS} / {TOTAL_POINTS} (public tests)" in results["output"]
    assert "all public tests passed" in results["output"].lower()
    assert "all tests passed" not in results["output"].lower()


def test_a_hidden_folder_without_tests_fails_loudly_and_writes_no_score(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "notes.py").write_text("x = 1\n")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson_pkg.grade",
            "--target",
            str(ROOT / "solutions"),
            "--hidden",
            str(hidden),
            "--json",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "no hidden test found" in completed.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_cli_rejects_a_missing_folder(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.grade", "--target", "no-such-folder"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "not a folder" in completed.stderr


def test_generated_cases_cover_every_rank_with_every_reduction():
    full_grid = set(itertools.product(RANKS, REDUCTIONS))
    elementwise = (
        "mse_loss",
        "mae_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "hinge_loss",
    )
    for function in elementwise:
        generated = [
            case for case in CASES if case.function == function and "every rank" in case.title
        ]
        assert generated, function
        calls = generated[0].calls()
        assert grid_of(calls) == full_grid, function
        # a batch size different from the number of elements, wherever rank >= 2
        assert all(len(args[0]) != args[0].numel() for args, _ in calls if args[0].dim() >= 2)
    for case in CASES:
        if (
            case.function == "cross_entropy"
            and case.title != "logits [2.0, 0.5, 0.1] with label 0 give 0.3168"
        ):
            calls = case.calls()
            assert all(len(args[1]) > 1 for args, _ in calls), case.name
            assert {options.get("reduction", "mean") for _, options in calls} == set(REDUCTIONS)
    ignored = {
        options["ignore_index"]
        for _, options in next(
            case for case in CASES if case.name == "cross_entropy: ignore_index"
        ).calls()
    }
    assert -100 in ignored and any(index >= 0 for index in ignored)


def test_stubs_keep_docstrings_and_drop_every_solution_line():
    source = (ROOT / "solutions" / "ex01_losses.py").read_text()
    stub = make_stub(source)
    assert "BEGIN SOLUTION" not in stub and "logsumexp(input" not in stub
    assert stub.count("raise NotImplementedError") == source.count("### BEGIN SOLUTION") == 6
    formula = "y_i * log(1 + exp(-z_i)) + (1 - y_i) * log(1 + exp(z_i))"
    assert formula in stub  # the formula stays in the docstring
    with pytest.raises(ValueError, match="unbalanced"):
        make_stub("### BEGIN SOLUTION\nx = 1\n")


def test_regenerating_the_stubs_never_overwrites_a_learners_work(tmp_path, exercise_stubs):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(exercise_stubs, tmp_path / "exercises")
    mine = tmp_path / "exercises" / "ex01_losses.py"
    mine.write_text(mine.read_text() + "\n# my own work\n")
    with pytest.raises(FileExistsError, match=r"ex01_losses\.py"):
        write_stubs(tmp_path)
    assert "# my own work" in mine.read_text()
    completed = subprocess.run(
        [sys.executable, "-m", "lesson_pkg.cli", "stubs", "--course", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2 and "--force" in completed.stderr
    assert "# my own work" in mine.read_text()
    assert write_stubs(tmp_path, force=True) == [mine]
    assert "# my own work" not in mine.read_text()


def test_in_notebook_check_passes_a_solution_and_names_a_mistake(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "solutions"))
    try:
        import ex03_accuracy
    finally:
        sys.path.remove(str(ROOT / "solutions"))
    assert check(ex03_accuracy.accuracy).passed
    result = check(accuracy_grader.accuracy_in_percent, name="accuracy")
    assert result.score == 0 and "not a percent" in str(result)
    with pytest.raises(ValueError, match="not an exercise"):
        check(print)


CALLS_THE_REFERENCE = """
def mse_loss(input, target, reduction="mean"):
    from lesson_pkg.losses import mse_loss as reference
    return reference(input, target, reduction=reduction)
"""


def test_check_and_make_grade_agree_on_code_that_runs_the_course_or_sklearn(tmp_path):
    # in the notebook lesson_pkg and sklearn are loaded; make grade blocks them
    submission = write_submission([], tmp_path / "submission", {"mse_loss": CALLS_THE_REFERENCE})
    metrics = submission / "ex03_accuracy.py"
    metrics.write_text("from sklearn.metrics import accuracy_score\n" + metrics.read_text())
    out = tmp_path / "out"
    out.mkdir()
    results, _ = grade(submission, out)
    graded = scores_by_function(results)
    checked = {name: check(load_exercise(name, submission), name) for name in graded}
    assert {name: (result.score, result.max_score) for name, result in checked.items()} == graded
    assert graded["mse_loss"][0] == graded["accuracy"][0] == 0
    assert graded["mae_loss"][0] == graded["mae_loss"][1] > 0
    assert "runs code of lesson_pkg" in str(checked["mse_loss"])
    assert "ex03_accuracy.py imports sklearn" in str(checked["confusion_matrix"])


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy_with_logits"])
def test_check_works_as_the_first_call_in_a_fresh_kernel(name, tmp_path):
    # The first TorchDispatchMode imports torch._dynamo, which reads the aten ops that the
    # grader blocks for these exercises: a fresh process is the only honest place to test.
    shutil.copytree(ROOT / "solutions", tmp_path / "exercises")
    (tmp_path / "notebooks").mkdir()
    code = f"from lesson_pkg.checks import check; print(check({name!r}).passed)"
    environment = {k: v for k, v in os.environ.items() if k != "LESSON_PKG_EXERCISES"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,  # found from the folder, as in a notebook
        cwd=tmp_path / "notebooks",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]


def test_check_by_name_reads_the_learners_file_afresh(tmp_path, monkeypatch, exercise_stubs):
    shutil.copytree(exercise_stubs, tmp_path / "exercises")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv("LESSON_PKG_EXERCISES")  # found from the folder, as in a notebook
    monkeypatch.chdir(tmp_path / "notebooks")  # where a notebook's kernel runs
    assert check("mse_loss").score == 0
    exercise = tmp_path / "exercises" / "ex01_losses.py"
    solution = (ROOT / "solutions" / "ex01_losses.py").read_text()
    exercise.write_text(solution)  # the learner saves the file; no kernel restart
    assert check("mse_loss").passed


def test_a_wrong_shape_is_explained_not_a_raw_torch_error():
    result = check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    gradients = next(case for case in result.cases if case.title == "gradients")
    assert not gradients.passed
    message = gradients.result.message
    assert "Mismatch in shape" not in message and "Hint:" in message
    assert gradients.result.mistake.id == "mse_sum_instead_of_mean"
    result = check(ex01_losses.mse_ignores_reduction, name="mse_loss")
    assert "the reduction is ignored" in str(result)


def mse_that_changes_its_input(input, target, reduction="mean"):
    errors = (input - target) ** 2
    result = {"mean": errors.mean(), "sum": errors.sum(), "none": errors}[reduction]
    input.data.add_(1.0)  # the right result, but the caller's tensor is changed
    return result


def test_a_property_check_says_the_result_comes_first_and_then_names_the_property():
    wrong_value = check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss")
    messages = {case.title: case.result.message for case in wrong_value.cases}
    assert (
        "the inputs are checked only once the result is right, and the result is"
        in (messages["inputs are not changed"])
    )
    assert "the gradient is checked only once the result is right" in messages["gradients"]
    changes_input = check(mse_that_changes_its_input, name="mse_loss")
    failed = {case.title: case.result.message for case in changes_input.cases if not case.passed}
    assert list(failed) == ["inputs are not changed"]
    assert "must not be changed in place" in failed["inputs are not changed"]


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


def test_lesson_lab_passes_the_port_on_and_prints_the_url_the_server_reports(tmp_path):
    from lesson_pkg.lab import lab_command, lesson_url

    launch = lab_command(ROOT, ["--no-browser", "--ip=127.0.0.1", "--port", "8899"])
    assert launch.command[launch.command.index("--port") + 1] == "8899"  # passed on as asked
    assert f"--IdentityProvider.token={launch.token}" in launch.command
    served = {"url": "http://127.0.0.1:8900/", "port": 8900}  # 8899 was busy (tests/test_lab.py)
    assert lesson_url(served, launch.token) == (
        f"http://127.0.0.1:8900/lab/tree/notebooks/00_start_here.ipynb?token={launch.token}"
    )


def test_the_readmes_check_example_is_what_check_prints():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- check-example:")[1].split("```text\n")[1].split("```")[0]
    printed = block.split('>>> check("mse_loss")\n')[1].rstrip("\n")
    assert printed == str(check(ex01_losses.mse_sum_instead_of_mean, name="mse_loss"))


def test_every_entry_point_is_a_verb_of_the_installed_lesson_command(tmp_path):
    lesson = Path(sys.executable).parent / "lesson"  # what pip installed: no make needed
    completed = subprocess.run([str(lesson), "--help"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    for verb in (
        "lab",
        "grade",
        "grade-class",
        "stubs",
        "student-release",
        "release-solutions",
        "gradescope",
        "grader-archive",
    ):
        assert verb in completed.stdout, verb
    out = tmp_path / "student"
    completed = subprocess.run(
        [str(lesson), "student-release", "--course", str(ROOT), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0 and (out / "exercises" / "ex01_losses.py").is_file()
