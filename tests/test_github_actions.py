"""The shipped GitHub Actions workflow, run step by step in a course repository made by `grader release`.

Each `run:` step runs as Actions runs it (bash -eo pipefail, in the repository,
with GITHUB_STEP_SUMMARY); the install step's place is taken by this project's
venv on PATH, `uses:` steps by what they stand for (the checkout is the folder;
the JUnit reporter's place is taken by junitparser reading the same file).
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from junitparser import Failure, JUnitXml, Skipped

from helpers import ROOT, SOLUTION

pytestmark = pytest.mark.e2e

WORKFLOW = ROOT / "examples" / "github-actions" / "autograde.yml"


def run_workflow(repo: Path, tmp_path: Path) -> list[tuple[str, int | None]]:
    """[(step name, exit status or None when skipped)] for each step, with Actions' `if: always()` rule."""
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["public-checks"]
    summary = tmp_path / "summary.md"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               GITHUB_STEP_SUMMARY=str(summary), CI="true", PYTHONPATH=str(ROOT))
    statuses, failed = [], False
    for step in job["steps"]:
        name = step.get("name", step.get("uses"))
        if "run" not in step or step.get("id") == "install-grader" or (failed and step.get("if") != "always()"):
            statuses.append((name, None))
            continue
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=600)
        statuses.append((name, done.returncode))
        failed = failed or done.returncode != 0
    return statuses


@pytest.fixture
def course_repo(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run([sys.executable, "-m", "grader", "release", "weight_decay", "--out", str(repo)], check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, timeout=300)
    return repo


def test_workflow_is_documented_and_installs_cpu_torch():
    text = WORKFLOW.read_text()
    assert text.startswith("# Autograding on every push") and ".github/workflows/autograde.yml" in text
    steps = yaml.safe_load(text)["jobs"]["public-checks"]["steps"]
    install = next(s for s in steps if s.get("id") == "install-grader")
    assert "--index-url https://download.pytorch.org/whl/cpu torch" in install["run"]


def test_solved_notebook_passes_the_workflow(course_repo, tmp_path):
    nbformat.write(nbformat.read(SOLUTION, as_version=4), course_repo / "weight_decay.ipynb")
    statuses = dict(run_workflow(course_repo, tmp_path))
    assert statuses["Run the public checks"] == 0 and statuses["Summarise the report"] == 0
    report = JUnitXml.fromfile(str(course_repo / "autograde" / "junit.xml"))
    cases = [case for suite in report for case in suite]
    # 7 public checks; 10 parts judged later: each question's hidden checks, and apart from them the review
    # of the written answers of q1-q4 (q5 and q6 are written answers only).
    assert len(cases) == 17 and not [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    assert sum(any(isinstance(r, Skipped) for r in c.result) for c in cases) == 10
    assert (tmp_path / "summary.md").read_text().strip() == \
        "### Public checks: 7 passed, 0 failed; 10 parts judged after you submit"
    assert (course_repo / "autograde" / "feedback.html").exists()


def test_stub_fails_the_run_and_still_reports(course_repo, tmp_path):
    statuses = dict(run_workflow(course_repo, tmp_path))
    assert statuses["Run the public checks"] == 1, "a failing public check fails the run"
    assert statuses["Summarise the report"] == 0, "if: always() steps still run"
    report = JUnitXml.fromfile(str(course_repo / "autograde" / "junit.xml"))
    failures = [r for suite in report for case in suite for r in case.result if isinstance(r, Failure)]
    assert len(failures) == 7 and all(f.message for f in failures)
    assert "7 failed" in (tmp_path / "summary.md").read_text()
