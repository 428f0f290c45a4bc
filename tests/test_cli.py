"""The ``lesson`` command's room: every verb in one parser, and ``python -m lesson_pkg.grade``.

Grading itself is tested in ``tests/grading/``; here, what the command lines accept and
refuse before anything is graded.
"""

import pytest

from lesson_pkg import cli
from lesson_pkg.grading.front.commands import grade_main, grade_parser
from lesson_pkg.grading.runner.limits import DEFAULT_LIMITS

VERBS = [
    "lab",
    "grade",
    "grade-class",
    "similarity",
    "stubs",
    "student-release",
    "release-solutions",
    "gradescope",
    "grader-archive",
    "room",
]


def test_the_lesson_command_has_every_verb_and_each_runs_a_command():
    parser = cli.parser()
    verbs = next(action for action in parser._actions if action.dest == "verb")
    assert list(verbs.choices) == VERBS
    for verb, subparser in verbs.choices.items():
        assert callable(subparser.get_default("command")), verb


def test_the_time_limit_default_is_the_runners_own(tmp_path):
    args = cli.parser().parse_args(["grade", "--target", str(tmp_path)])
    assert args.time_limit == DEFAULT_LIMITS.call_seconds
    assert grade_parser().parse_args([]).time_limit == DEFAULT_LIMITS.call_seconds


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--class", "{tmp}"], "--class needs --out"),
        (["--class", "{tmp}", "--out", "{tmp}/out", "--json", "r.json"], "--json: for one"),
        (["--target", "{tmp}/missing"], "is not a folder"),
    ],
)
def test_python_m_grade_refuses_what_it_cannot_do(arguments, said, tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        grade_main([argument.format(tmp=tmp_path) for argument in arguments])
    assert raised.value.code == 2
    assert said in capsys.readouterr().err


def test_a_class_is_graded_by_the_same_command_as_one_submission(tmp_path, monkeypatch):
    """``--class`` runs grade-class's own command, with its options, no argv rewritten."""
    seen = {}
    monkeypatch.setattr(
        "lesson_pkg.grading.front.commands.run_grade_class",
        lambda args: seen.setdefault("args", args) and 0,
    )
    status = grade_main(["--class", str(tmp_path), "--out", str(tmp_path / "out"), "--jobs", "3"])
    assert status == 0
    assert seen["args"].submissions == tmp_path and seen["args"].jobs == 3
