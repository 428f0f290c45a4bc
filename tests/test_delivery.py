"""The files that plug the course into GitHub Classroom, Binder and a static site."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from lesson_pkg.grading.cases import CASES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import build_html  # noqa: E402


def _workflow():
    return yaml.safe_load((ROOT / ".github" / "workflows" / "classroom.yml").read_text())


def test_the_classroom_workflow_fetches_a_checked_grader_and_reports_points():
    workflow = _workflow()
    assert workflow["name"] == "Autograding Tests"  # the check run the reporter updates
    assert "push" in workflow["on"] and workflow["permissions"]["checks"] == "write"
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    fetch = next(step for step in steps if step.get("name") == "Fetch the instructor's grader")
    assert "sha256sum --check" in fetch["run"] and "$GRADER_URL" in fetch["run"]
    grade = next(step for step in steps if step.get("id") == "lesson-grader")
    assert "--classroom" in grade["run"] and grade["run"].startswith("cd grader")
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    assert reporter["with"]["runners"] == "lesson-grader"
    assert "steps.lesson-grader.outputs.result" in reporter["env"]["LESSON-GRADER_RESULTS"]


def test_the_workflow_grading_command_writes_points_per_test_for_the_reporter(tmp_path):
    outputs = tmp_path / "github_output"
    command = _workflow()["jobs"]["run-autograding-tests"]["steps"]
    grade = next(step for step in command if step.get("id") == "lesson-grader")["run"]
    grade = grade.replace("cd grader", f"cd {ROOT}").replace("python ", f"{sys.executable} ")
    environment = {**os.environ, "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(tmp_path)}
    (tmp_path / "exercises").symlink_to(ROOT / "solutions")
    completed = subprocess.run(
        ["bash", "-c", grade], env=environment, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    line = outputs.read_text().strip()
    assert line.startswith("result=")
    payload = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert payload["version"] == 1 and payload["status"] == "pass"
    assert payload["max_score"] == sum(case.points for case in CASES)
    assert len(payload["tests"]) == len(CASES)
    assert {test["status"] for test in payload["tests"]} == {"pass"}
    assert sum(test["score"] for test in payload["tests"]) == payload["max_score"]


def test_binder_builds_from_environment_yml_and_post_build_installs_the_package():
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK)
    text = post_build.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "pip install --no-deps --editable ." in text
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert any(str(entry).startswith("jupyterlab=") for entry in environment["dependencies"])
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    assert "git-pull?repo=" in guide and "urlpath=lab/tree/" in guide


def test_the_static_site_has_every_lesson_its_plots_and_an_index_in_order(tmp_path):
    pages = build_html.build(tmp_path)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [page.stem for page in pages] == [path.stem for path in notebooks]
    index = (tmp_path / "index.html").read_text()
    positions = [index.index(f'href="{page.name}"') for page in pages]
    assert positions == sorted(positions)
    for notebook_path, page in zip(notebooks, pages, strict=True):
        text = page.read_text()
        images = [
            output["data"]["image/png"]
            for cell in nbformat.read(notebook_path, 4).cells
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        ]
        for image in images:
            assert image.strip()[:200] in text, f"a plot of {notebook_path.name} is missing"


def test_the_instructor_guide_lists_every_mistake_the_grader_knows():
    from lesson_pkg.grading.mistakes import MISTAKES

    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    for mistake in MISTAKES:
        assert mistake.hint.replace("|", "\\|") in guide, mistake.implementation.__name__
