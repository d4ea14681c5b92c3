"""The Gradescope zip, unpacked and run as Gradescope would, against a temporary autograder root.

setup.sh is not run (it installs from the internet); the project's venv stands
in for the one it makes, through run_autograder's GRADER_PYTHON.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from helpers import ASSIGNMENT, ROOT, SOLUTION, STUB
from grader.delivery.written_outline import written_outline

pytestmark = pytest.mark.e2e

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope-results.schema.json").read_text())
METADATA = {"id": 4242, "created_at": "2026-11-20T10:00:00.000000-08:00",
            "assignment": {"id": 25828, "title": "Weight Decay", "total_points": "14.0"},
            "submission_method": "upload",
            "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada Lovelace"}],
            "previous_submissions": [{"submission_time": "2026-11-19T09:00:00.000000-08:00", "score": 3.0,
                                      "results": {}}]}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "autograder.zip"
    result = subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", "weight_decay", "--out", str(out)],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    return out


def run_autograder(autograder_zip, tmp_path, submission_files=(), metadata=None, python=sys.executable, cache=None):
    """Unpack the zip as /autograder/source, put the submission in place, run run_autograder (with ``cache``, the
    grader's cache folder, $GRADER_CACHE_DIR)."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile drops permissions; restore them as Gradescope's unzip does
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    (root / "submission").mkdir()
    for name, content in submission_files:
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # Gradescope's image build does this
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GRADER_PYTHON=str(python), PYTHONPATH=str(ROOT),
               **({"GRADER_CACHE_DIR": str(cache)} if cache is not None else {}))
    process = subprocess.run([str(root / "run_autograder")], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=600)
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return process, results


def test_zip_layout_scripts_and_pins(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        constraints = archive.read("constraints.txt").decode()
    assert {"setup.sh", "run_autograder", "autograder.json", "grader-src/pyproject.toml"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert "apt-get install -y --no-install-recommends python3 python3-venv" in setup
    assert "CPU_INDEX=\"https://download.pytorch.org/whl/cpu\"" in setup and "--index-url \"$CPU_INDEX\"" in setup
    assert "torch==" in constraints
    folder = ROOT / "solutions/weight_decay"
    hidden = sorted(n for n in names if n.startswith("assignment/checks/hidden/"))
    assert hidden == sorted(f"assignment/checks/hidden/{p.name}" for p in (folder / "checks/hidden").glob("*.py"))
    assert {"assignment/assignment.toml", "assignment/reference.py", "assignment/feedback.py"} <= names
    # The reference sweep (a reference value: grader/assignments/reference_values.py), trained at build, not per run.
    values = [n.rsplit("-", 1)[0] for n in names if n.startswith("assignment/reference-values/")]
    assert values == ["assignment/reference-values/weight_decay.reference.reference_sweep"]
    # The installed copy of the grader carries no assignment: the hidden checks exist only under assignment/,
    # and the solution notebook nowhere.
    assert not [n for n in names if n.startswith("grader-src/") and "weight_decay" in n]
    assert not [n for n in names if "__pycache__" in n or n.startswith("solutions/") or n.endswith(".ipynb")]


def test_build_writes_the_outline_of_manually_graded_questions(autograder_zip):
    text = (autograder_zip.with_name(f"{autograder_zip.stem}-outline.txt")).read_text()
    outline = written_outline(ASSIGNMENT)
    assert f"Autograder (programming): {outline.code_points:g} points" in text
    written = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0] for line in written] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert "q5: Other ways to fight overfitting: 1 points" in written
    assert outline.code_points + outline.written_points == pytest.approx(ASSIGNMENT.total_points)
    assert "Total: 14 points" in text


def test_zip_is_reproducible(autograder_zip, tmp_path):
    again = tmp_path / "again.zip"
    subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", "weight_decay", "--out", str(again)],
                   check=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert again.read_bytes() == autograder_zip.read_bytes()


def test_solution_graded_with_metadata(autograder_zip, tmp_path):
    cache = tmp_path / "empty-cache"
    process, results = run_autograder(autograder_zip, tmp_path, [("weight_decay.ipynb", SOLUTION.read_bytes())],
                                      METADATA, cache=cache)
    assert process.returncode == 0, process.stderr
    assert not cache.exists(), "the run computed a reference value (or a solution output) instead of reading the zip's"
    outline = written_outline(ASSIGNMENT)
    # The autograder scores code only: every code point, and no written answer (people grade those).
    assert results["score"] == round(outline.code_points, 2) == round(sum(t["score"] for t in results["tests"]), 2)
    assert round(sum(t["max_score"] for t in results["tests"]), 2) == round(outline.code_points, 2)
    assert not [t for t in results["tests"] if "written" in t["name"] or t["name"].startswith(("q5", "q6"))]
    assert results["output"].startswith("Graded for Ada Lovelace <ada@example.edu>, attempt 2, "
                                        "submitted 2026-11-20T10:00:00.000000-08:00.")
    assert results["extra_data"]["submission"] == {
        "students": [{"name": "Ada Lovelace", "email": "ada@example.edu"}], "attempt": 2,
        "created_at": "2026-11-20T10:00:00.000000-08:00", "submission_id": 4242}
    visibility = {t["visibility"] for t in results["tests"]}
    assert visibility == {"visible", "after_published"}
    public = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert len(public) == 7 and all(t["status"] == "passed" for t in results["tests"])
    assert (tmp_path / "autograder" / "results" / "feedback.html").exists()


def test_wrong_submission_in_a_folder_without_metadata(autograder_zip, tmp_path):
    process, results = run_autograder(autograder_zip, tmp_path, [("work/weight_decay.ipynb", STUB.read_bytes())])
    assert process.returncode == 0, process.stderr
    assert results["score"] == 0 and "submission" not in results["extra_data"]
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["output"] for t in failed)
    assert any("not implemented yet" in t["output"] for t in failed if t["visibility"] == "visible")


@pytest.mark.parametrize("files, says", [
    ([("notes.txt", b"my answers are in the pdf")], "no notebook (.ipynb file) in your submission: upload weight_decay.ipynb"),
    ([("weight_decay.ipynb", b"{}"), ("copy/weight_decay (1).ipynb", b"{}")],
     "your submission has 2 notebooks (copy/weight_decay (1).ipynb, weight_decay.ipynb); upload only weight_decay.ipynb"),
    ([("weight_decay.ipynb", b"\x89PNG\r\n\x1a\n not a notebook")], "could not be graded"),
], ids=["no-notebook", "two-notebooks", "unreadable"])
def test_submissions_that_cannot_be_graded_still_get_results(autograder_zip, tmp_path, files, says):
    process, results = run_autograder(autograder_zip, tmp_path, files, METADATA)
    assert process.returncode == 0, process.stderr
    assert results["score"] == 0 and results["tests"] == []
    assert says in results["output"] and "Graded for Ada Lovelace" in results["output"]
