"""`grader grade` on a batch: good files graded, bad files reported on one line, exit status says which."""
import pytest
import json
import os
import shutil
import subprocess
import sys

from helpers import ROOT, SOLUTION, STUB

pytestmark = pytest.mark.e2e


def run_grader(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_batch_with_bad_files_grades_the_rest(tmp_path):
    subs = tmp_path / "submissions"
    for student, source in (("alice", SOLUTION), ("bob", STUB)):
        (subs / student).mkdir(parents=True)
        shutil.copy(source, subs / student / "weight_decay.ipynb")
    (subs / "carol").mkdir()
    (subs / "carol" / "weight_decay.ipynb").write_bytes(SOLUTION.read_bytes()[:5000])
    notes = tmp_path / "notes.ipynb"
    notes.write_text("just some text")
    result = run_grader("grade", subs, notes, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    scores = {p.name: json.loads((p / "results.json").read_text())["score"] for p in (tmp_path / "out").iterdir()
              if p.is_dir()}
    assert scores == {"alice": 10, "bob": 0, "carol": 0, "notes": 0}  # alice: her written answers await review
    assert "carol: not graded:" in result.stdout and "ends early" in result.stdout
    assert "notes: not graded:" in result.stdout and "not JSON" in result.stdout
    carol = json.loads((tmp_path / "out" / "carol" / "results.json").read_text())
    assert carol["tests"] == [] and "could not be graded" in carol["output"]
    assert (tmp_path / "out" / "carol" / "feedback.html").exists()


def test_all_graded_exits_zero_whatever_the_score(tmp_path):
    result = run_grader("grade", STUB, "--out", tmp_path / "out", "--call-timeout", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "weight_decay: 0.00 / 14"


def test_unknown_assignment_is_a_clear_error(tmp_path):
    result = run_grader("grade", SOLUTION, "--out", tmp_path, "--assignment", "nope", cwd=tmp_path)
    assert result.returncode == 2 and "no assignment 'nope'" in result.stderr and "--assignment PATH" in result.stderr
