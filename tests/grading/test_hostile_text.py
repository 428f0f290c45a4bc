"""A submission's text is data: it can neither stop the grading nor paint over it.

The messages: a lone surrogate (which no UTF-8 stream can encode), terminal escapes that
clear the screen and print a fake full score, a bidirectional override, a newline that
would add a line to the table, a Markdown fence. And a student folder whose name is a
spreadsheet formula with an escape sequence in it.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from submissions import ROOT, grade, write_submission

from lesson_pkg.grading.core.results import spreadsheet_cell
from lesson_pkg.grading.runner.outcome import safe_text

FAKE_SCORE = "\x1b[2J\x1b[H mse_loss 7 / 7 pass. Score: 95 / 95. All tests passed.\x1b[8m"
HOSTILE = {
    "mse_loss": 'def mse_loss(input, target, reduction="mean"):\n'
    '    raise ValueError("not finished \\ud800")\n',
    "mae_loss": 'def mae_loss(input, target, reduction="mean"):\n'
    f"    raise ValueError({FAKE_SCORE!r})\n",
    "hinge_loss": 'def hinge_loss(input, target, margin=1.0, reduction="mean"):\n'
    '    raise ValueError("evil \\u202e gnp.exe\\n```\\nScore: 95 / 95")\n',
}
FOLDER = "=HYPERLINK(1)\x1b[31m"


def _unsafe(text: str) -> list[str]:
    return [c for c in text if c == "\x1b" or c == "\u202e" or 0xD800 <= ord(c) <= 0xDFFF]


def test_safe_text_shows_every_unsafe_character_as_an_escape():
    assert safe_text("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert safe_text("x\ud800") == "x\\ud800"
    assert safe_text("a\nb\r\nc") == "a b c"
    assert safe_text("``` done") == "` ` ` done"
    assert safe_text("y" * 600, 10) == "y" * 9 + "\u2026"
    assert spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_cell("ann") == "ann"


def test_one_hostile_submission_gets_a_full_report_and_an_honest_screen(tmp_path):
    submission = write_submission([], tmp_path / "submission", HOSTILE)
    results, table = grade(submission, tmp_path)
    assert not _unsafe(table) and not _unsafe(json.dumps(results, ensure_ascii=False))
    summaries = [line for line in table.splitlines() if line.startswith("Score:")]
    assert summaries == [f"Score: {results['score']:g} / 95."]  # no message adds a line
    assert results["score"] < 95
    messages = " ".join(test["output"] for test in results["tests"])
    assert "not finished \\ud800" in messages and "\\x1b[2J" in messages
    assert "\\u202e" in messages and "```" not in messages


def test_a_class_with_a_hostile_student_writes_every_row_and_reruns(tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir(mode=0o700)
    write_submission([], submissions / FOLDER, HOSTILE)
    write_submission([], submissions / "zoe")
    out = tmp_path / "results"
    for _ in range(2):  # the second run reads the first run's reports back
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "lesson_pkg.grade",
                "--class",
                str(submissions),
                "--out",
                str(out),
                "--time-limit",
                "5",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
        assert completed.returncode == 0, completed.stderr
        assert not _unsafe(completed.stdout + completed.stderr)
        rows = list(csv.DictReader((out / "gradebook.csv").open()))
        assert [row["student"] for row in rows] == ["'=HYPERLINK(1)\\x1b[31m", "zoe"]
        assert [rows[1][column] for column in ("total", "max", "status")] == ["95", "95", "graded"]
        summary = (out / "summary.csv").read_text()
        assert summary.count("\n") > 10 and not _unsafe(summary)


def test_a_cached_report_with_unsafe_text_is_read_back_safely(tmp_path):
    from lesson_pkg.grading.core.results import Report

    report = Report.from_dict(
        {
            "tests": [
                {"function": "mse_loss", "title": "t", "max_score": 1.0, "problem": "x\ud800"}
            ],
            "execution_time": 0.0,
            "isolation": "",
        }
    )
    assert report.tests[0].problem == "x\\ud800"
    Path(tmp_path / "out.txt").write_text(report.table())  # encodable
