"""The files that plug the course into GitHub Actions and Binder (the site: test_site.py)."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from lesson_pkg.grading.exercises import cases_for
from lesson_pkg.maintenance import releases

CASES = cases_for()

ROOT = Path(__file__).resolve().parent.parent


def _workflow():
    return yaml.safe_load((ROOT / ".github" / "workflows" / "autograde.yml").read_text())


def _step(name: str) -> dict:
    steps = _workflow()["jobs"]["grade"]["steps"]
    return next(step for step in steps if step.get("name") == name)


def test_the_workflow_is_plain_actions_with_a_checked_grader_and_cpu_torch():
    workflow = _workflow()
    assert "push" in workflow["on"] and workflow["permissions"] == {"contents": "read"}
    uses = [step.get("uses", "") for step in workflow["jobs"]["grade"]["steps"]]
    assert not [action for action in uses if action.startswith("classroom-resources/")]
    install = _step("Install the instructor's grader")["run"]
    assert "sha256sum --check" in install and "$GRADER_URL" in install
    assert "download.pytorch.org/whl/cpu" in install and "[test]" not in install
    assert "bubblewrap" in _step("Install bubblewrap (the worker's isolation)")["run"]
    grade = _step("Grade")["run"]
    assert "--isolation strict" in grade and "--github-summary" in grade


def test_the_workflow_grading_command_puts_points_in_the_run_summary(tmp_path):
    grade = _step("Grade")["run"]
    command = grade.replace(
        'sudo --preserve-env=GITHUB_STEP_SUMMARY "$(command -v lesson)"',
        f"{sys.executable} -m lesson_pkg.cli",
    )
    summary = tmp_path / "summary.md"
    environment = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
    }
    (tmp_path / "exercises").symlink_to(ROOT / "solutions")
    completed = subprocess.run(
        ["bash", "-c", command], env=environment, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    total = sum(case.points for case in CASES)
    assert f"Score: {total} / {total}" in summary.read_text()
    assert "mse_loss" in summary.read_text()
    assert json.loads((tmp_path / "results.json").read_text())["score"] == total


def test_the_grader_archive_holds_the_package_and_no_answers(tmp_path):
    archive = releases.build_grader_archive(ROOT, tmp_path / "grader.tar.gz")
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert "pyproject.toml" in names and "lesson_pkg/grading/exercises/ex01_losses.py" in names
    assert not [name for name in names if name.startswith(("solutions", "tests", "hidden"))]


def test_binder_builds_from_environment_yml_and_post_build_installs_the_package():
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK)
    text = post_build.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "pip install --no-deps --editable ." in text
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert any(str(entry).startswith("jupyterlab=") for entry in environment["dependencies"])
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    assert "git-pull?repo=" in guide and "urlpath=lab/tree/" in guide


def test_the_instructor_guide_lists_every_mistake_the_grader_knows():
    from lesson_pkg.grading.exercises import mistakes_for

    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    for mistake in mistakes_for():
        assert mistake.hint.replace("|", "\\|") in guide, mistake.id
