"""An assignment is a folder: built with ``grader new`` in a temporary course, changed, validated, released,
graded and regraded, without touching the repository."""
from __future__ import annotations

import json
import shutil
import sqlite3

import nbformat
import pytest

from batch_helpers import run_cli as _run_cli
from grader.assignments.manifest import load_assignment
from helpers import ROOT

pytestmark = pytest.mark.e2e

PUBLIC_CHECK = "checks/public/test_q1_softmax.py"
HIDDEN_CHECK = "checks/hidden/test_q1_softmax.py"

# A second question, added to the scaffold the way an instructor would: manifest, solution, checks.
Q2_MANIFEST = '''
[[questions]]
id = "norms"
title = "Row norms"
points = 1
names = ["row_norms"]
'''
Q2_SOLUTION = '''def row_norms(x):
    ### BEGIN SOLUTION
    return (x ** 2).sum(dim=-1).sqrt()
    ### END SOLUTION'''
Q2_PUBLIC = '''"""norms, public."""
import pytest
import torch

from grader.checks.expect import expect_tensor

pytestmark = pytest.mark.question("norms")


def test_row_norms_small(student):
    """row_norms of a 3-4-5 row is 5"""
    x = torch.tensor([[3.0, 4.0]])
    expect_tensor(student.fn("row_norms")(x), torch.tensor([5.0]), symptom="the Euclidean norm of each row")
'''
Q2_HIDDEN = '''"""norms, hidden."""
import pytest
import torch

from grader.checks.expect import expect_tensor

pytestmark = pytest.mark.question("norms")


@pytest.mark.parametrize("rows", [1, 4])
def test_row_norms_batch(student, rows):
    """row_norms of a batch of rows"""
    x = torch.randn(rows, 6, dtype=torch.float64)
    expect_tensor(student.fn("row_norms")(x), x.norm(dim=-1), symptom="the Euclidean norm over the last dimension")
'''


def run_cli(*args, cwd):
    """The CLI as an instructor runs it in the course folder (no GRADER_COURSE)."""
    return _run_cli(*args, cwd=cwd, env_course=None)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder with the scaffolded assignment, grown to two questions."""
    root = tmp_path_factory.mktemp("course")
    result = run_cli("new", "vectors", "--title", "Vectors", cwd=root)
    assert result.returncode == 0, result.stderr
    folder = root / "solutions" / "vectors"
    with open(folder / "assignment.toml", "a", encoding="utf-8") as manifest:
        manifest.write(Q2_MANIFEST)
    solution = nbformat.read(folder / "vectors.ipynb", as_version=4)
    solution.cells.append(nbformat.v4.new_code_cell(Q2_SOLUTION, id="row-norms"))
    nbformat.write(solution, folder / "vectors.ipynb")
    (folder / "checks/public/test_norms.py").write_text(Q2_PUBLIC)
    (folder / "checks/hidden/test_norms.py").write_text(Q2_HIDDEN)
    assert run_cli("stub", "vectors", cwd=root).returncode == 0
    return root


def copy_course(course, tmp_path):
    target = tmp_path / "course"
    shutil.copytree(course, target)
    return target, target / "solutions" / "vectors"


def validate(folder, cwd):
    return run_cli("validate", folder, cwd=cwd)


def test_a_new_assignment_validates_releases_and_grades(course, tmp_path):
    result = validate(course / "solutions/vectors", course)
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_cli("release", "vectors", "--out", tmp_path / "bundle", cwd=course).returncode == 0
    bundle = sorted(p.relative_to(tmp_path / "bundle").as_posix() for p in (tmp_path / "bundle").rglob("*") if p.is_file())
    assert bundle == ["README.md", "assignment.toml", "checks/manifest.json", "checks/public/test_norms.py",
                      PUBLIC_CHECK, "vectors.ipynb"]
    graded = run_cli("grade", course / "solutions/vectors/vectors.ipynb", course / "exercises/vectors/vectors.ipynb",
                     "--out", tmp_path / "out", cwd=course)  # the notebooks name their assignment
    assert graded.returncode == 0, graded.stderr
    scores = sorted(json.loads(p.read_text())["score"] for p in (tmp_path / "out").glob("*/results.json"))
    assert scores == [0, 3], graded.stdout
    # A student's self-check in the bundle: the public checks of both questions, the hidden share pending.
    check = run_cli("check", "vectors.ipynb", cwd=tmp_path / "bundle")
    assert check.returncode == 0 and "0 of 2 passed" in check.stdout, check.stdout + check.stderr


def test_validate_names_what_is_wrong(course, tmp_path):
    root, folder = copy_course(course, tmp_path)
    # The solution loses a point; the stub is stale; a question has no hidden check; a check names an unknown
    # question; a hidden line is planted in a public check.
    solution = nbformat.read(folder / "vectors.ipynb", as_version=4)
    cell = next(c for c in solution.cells if c.get("id") == "row-norms")
    cell.source = cell.source.replace("(x ** 2).sum(dim=-1).sqrt()", "x.abs().sum(dim=-1)")
    solution.cells.append(nbformat.v4.new_markdown_cell("A note students should see, added after the stub was made."))
    nbformat.write(solution, folder / "vectors.ipynb")
    result = validate(folder, root)
    assert result.returncode == 1
    assert "checks/hidden/test_norms.py:10: the solution fails norms: row_norms of a batch of rows [1]" in result.stdout
    assert "exercises/vectors/vectors.ipynb: the student notebook is not the stub of the current solution" \
        in result.stdout

    root, folder = copy_course(course, tmp_path / "again")
    (folder / "checks/hidden/test_norms.py").unlink()
    # A hint in the students' README that gives away a hidden check's input; a mistyped marker.
    hidden = (folder / HIDDEN_CHECK).read_text()
    planted = next(line.strip() for line in hidden.splitlines() if "1000.0" in line)
    with open(folder / "README.md", "a") as readme:
        readme.write(f"\nHint: the checks try `{planted}`.\n")
    solution = nbformat.read(folder / "vectors.ipynb", as_version=4)
    cell = next(c for c in solution.cells if c.get("id") == "row-norms")
    cell.source = cell.source.replace("SOLUTION", "SOLUTON")  # both marks mistyped: the region reaches the stub
    nbformat.write(solution, folder / "vectors.ipynb")
    result = validate(folder, root)
    assert result.returncode == 1
    assert "assignment.toml: question norms has no hidden check" in result.stdout
    assert "release/README.md:" in result.stdout and f"holds a line of the hidden check {HIDDEN_CHECK}" in result.stdout
    assert "'### BEGIN SOLUTON' looks like a solution marker but is not one" in result.stdout

    root, folder = copy_course(course, tmp_path / "third")
    (folder / "checks/hidden/test_norms.py").write_text(Q2_HIDDEN.replace('question("norms")', 'question("nroms")'))
    result = validate(folder, root)
    assert result.returncode == 1
    assert "checks/hidden/test_norms.py:10: question 'nroms' is not in assignment.toml" in result.stdout


def test_validate_usage_errors_exit_2(tmp_path):
    result = run_cli("validate", tmp_path, cwd=tmp_path)
    assert result.returncode == 2 and "not an assignment folder" in result.stderr


def test_points_that_cannot_be_resolved_stop_collection(course, tmp_path):
    root, folder = copy_course(course, tmp_path)
    (folder / "checks/hidden/test_norms.py").write_text(
        Q2_HIDDEN.replace('@pytest.mark.parametrize', '@pytest.mark.points(-1)\n@pytest.mark.parametrize'))
    result = validate(folder, root)
    assert result.returncode == 1
    assert "@pytest.mark.points takes one positive number" in result.stdout
    graded = run_cli("grade", folder / "vectors.ipynb", "--out", tmp_path / "out", cwd=root)
    assert graded.returncode != 0 and "could not" in graded.stdout + graded.stderr


def test_editing_a_hidden_check_regrades_and_the_gradebook_keeps_both_versions(course, tmp_path):
    root, folder = copy_course(course, tmp_path)
    before = load_assignment(folder).version
    notebook = root / "exercises/vectors/vectors.ipynb"
    assert run_cli("grade", notebook, "--out", tmp_path / "out", cwd=root).returncode == 0
    again = run_cli("grade", notebook, "--out", tmp_path / "out", cwd=root)
    assert "unchanged, not regraded" in again.stdout
    (folder / HIDDEN_CHECK).write_text((folder / HIDDEN_CHECK).read_text().replace("[-5.0, 0.0, 5.0]", "[-6.0, 0.0, 6.0]"))
    after = load_assignment(folder).version
    assert after != before
    regraded = run_cli("grade", notebook, "--out", tmp_path / "out", cwd=root)
    assert regraded.returncode == 0 and "unchanged" not in regraded.stdout
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as db:
        versions = [row[0] for row in db.execute("SELECT assignment_version FROM history ORDER BY rowid")]
        current = db.execute("SELECT assignment_version FROM submissions").fetchall()
    assert versions == [before, after] and current == [(after,)]
    results = json.loads(next((tmp_path / "out").glob("*/results.json")).read_text())
    assert results["extra_data"]["assignment_version"] == after


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in (ROOT / "solutions").glob("*/assignment.toml")))
def test_every_assignment_in_the_repository_validates(folder):
    result = _run_cli("validate", ROOT / "solutions" / folder, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip().endswith(": valid")


def test_an_assignment_name_may_not_shadow_a_module_but_a_folder_of_that_name_is_fine(tmp_path, monkeypatch):
    from grader.assignments.package_import import register_package
    from grader.core.errors import AssignmentError

    with pytest.raises(AssignmentError, match="is already the name of a module in use"):
        register_package("json", tmp_path, "v1")  # imported already
    with pytest.raises(AssignmentError, match="also the name of an installed Python module"):
        register_package("tabnanny", tmp_path, "v1")  # installed, not imported
    # The release folder of an assignment, in the working folder, has the assignment's name: no clash.
    (tmp_path / "release_demo").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    register_package("release_demo", tmp_path / "elsewhere", "v1")
