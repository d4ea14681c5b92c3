"""Isolation levels: reported in every result, and refused below what the grader is told to require."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.assignments.manifest import load_assignment
from grader.core.errors import IsolationUnavailable
from grader.grading.pipeline import GradeOptions, start_warm_process

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "weight_decay" / "weight_decay.ipynb"
ASSIGNMENT = load_assignment(ROOT / "solutions" / "weight_decay")


def test_this_machine_isolates_fully_and_says_which_layers():
    with start_warm_process(ASSIGNMENT, GradeOptions()) as warm:
        assert warm.level == "full", warm.isolation
        assert set(warm.isolation["entered"]) == {"namespaces", "private-fs", "rlimits", "user", "no-new-privs",
                                                  "landlock", "seccomp"}


def test_requiring_more_than_the_platform_gives_refuses_before_grading():
    with pytest.raises(IsolationUnavailable) as raised:
        start_warm_process(ASSIGNMENT, GradeOptions(isolation="none", require_isolation="full"))
    assert "required" in str(raised.value) and "missing" in str(raised.value)


def test_the_cli_refuses_with_exit_2_and_grades_nothing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "grader.cli.main", "grade", str(SOLUTION), "--out", str(tmp_path / "out"),
                             "--isolation", "none", "--require-isolation", "full", "--course", str(ROOT)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 2
    assert "isolation 'full' required" in result.stderr
    assert not list((tmp_path / "out").glob("*/results.json"))


def test_the_level_in_force_is_in_results_and_feedback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "grader.cli.main", "grade", str(SOLUTION), "--out", str(tmp_path / "out"),
                             "--isolation", "none", "--course", str(ROOT)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    folder = next((tmp_path / "out").glob("*/results.json")).parent
    isolation = json.loads((folder / "results.json").read_text())["extra_data"]["isolation"]
    assert isolation["level"] == "process" and isolation["entered"] == []
    assert "isolation level: process" in (folder / "feedback.html").read_text()
