"""A notebook written the book's way (``from d2l import torch as d2l``, ``d2l.Module``, ``d2l.SGD``,
``d2l.Trainer``), graded by a small assignment that declares ``d2l`` (``[packages]``), in environments built
as the Gradescope zip's setup.sh builds one (tests/torch_envs.py: built once, kept outside the repository):

- paired: torch 2.14.1 with the torchvision 0.29.1 built for it. ``grader validate`` passes, the right
  notebook earns full marks, a wrong one loses the points of its question and only those.
- mismatched: the project's CPU torch 2.13.0 with PyPI's torchvision 0.28.0, which installs and fails to
  import (what setup.sh did before it paired torchvision with torch). ``grader validate`` names the error
  before anyone is graded, and grading costs the notebook the questions that need d2l, saying why.

Each grades with this checkout's grader (``PYTHONPATH``) on the environment's interpreter.
"""
from __future__ import annotations

import json
import os
import subprocess

import nbformat
import pytest

from batch_helpers import question_scores, results
from helpers import ROOT
from test_packages import D2L_CELLS, tiny_assignment
from torch_envs import MISMATCHED, PAIRED, python_of

pytestmark = pytest.mark.e2e

SGD_CHECK = '''
import pytest
import torch

pytestmark = pytest.mark.question("q2")


def test_one_sgd_step(student):
    """one step of d2l.SGD moves each parameter against its gradient, scaled by the learning rate"""
    w = student.fn("sgd_step")(torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0]), 0.1)
    assert torch.allclose(w, torch.tensor([0.95, 2.1])), f"got {w}"
'''

SGD_CELL = '''def sgd_step(w, grad, lr):
    ### BEGIN SOLUTION
    w = w.clone().requires_grad_(True)
    w.grad = grad.clone()
    with torch.no_grad():  # as d2l.Trainer steps
        d2l.SGD([w], lr).step()
    return w.detach()
    ### END SOLUTION'''

# A plausible mistake in q1's model: the loss without its square (its gradient no longer depends on the error).
WRONG_LOSS = ("return ((y_hat - y) ** 2 / 2).mean()", "return ((y_hat - y) / 2).mean()")


def book_assignment(tmp_path):
    """Two questions: q1 trains linear regression with d2l.Module, d2l.SGD and d2l.Trainer; q2 takes one step
    of d2l.SGD. The manifest declares d2l as README's "Packages the notebooks import" says."""
    from test_packages import D2L_CHECK

    assignment = tiny_assignment(tmp_path, ["d2l.torch"], [*D2L_CELLS, SGD_CELL], D2L_CHECK, ["train_weights"])
    folder = assignment.folder
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace(
        'imports = ["d2l.torch"]', 'imports = ["d2l.torch"]\ninstall = ["pandas", "requests", "scipy", "torchvision"]\n'
                                   'install_no_deps = ["d2l==1.0.3"]')
        + '\n[[questions]]\nid = "q2"\ntitle = "One step of d2l.SGD"\npoints = 2\nnames = ["sgd_step"]\n')
    (folder / "checks" / "hidden" / "test_q2.py").write_text(SGD_CHECK)
    (folder / "checks" / "public" / "test_q2_public.py").write_text(
        'import pytest\n\npytestmark = pytest.mark.question("q2")\n\n\ndef test_defined(student):\n'
        '    """the notebook defines what q2 asks for"""\n    assert student.fn("sgd_step") is not None\n')
    return folder


def cli(python, *args, cwd):
    """This checkout's grader on another environment's interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    env.pop("GRADER_COURSE", None)
    return subprocess.run([str(python), "-m", "grader", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def submissions(folder, tmp_path):
    """right.ipynb (the solution) and wrong.ipynb (q1's loss without its square), in a class folder."""
    solution = nbformat.read(folder / "tiny.ipynb", as_version=4)
    wrong = nbformat.from_dict(json.loads(json.dumps(solution)))
    cell = next(c for c in wrong.cells if WRONG_LOSS[0] in c.source)
    cell.source = cell.source.replace(*WRONG_LOSS)
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    nbformat.write(solution, class_folder / "right.ipynb")
    nbformat.write(wrong, class_folder / "wrong.ipynb")
    return class_folder


def test_the_book_s_way_grades_where_torchvision_is_built_for_the_torch(tmp_path):
    python = python_of(PAIRED)
    folder = book_assignment(tmp_path)
    validated = cli(python, "validate", folder, cwd=tmp_path)
    assert "[packages]" not in validated.stdout + validated.stderr, validated.stdout + validated.stderr
    out = tmp_path / "out"
    graded = cli(python, "grade", submissions(folder, tmp_path), "--assignment", folder, "--out", out, cwd=tmp_path)
    assert graded.returncode in (0, 1), graded.stderr
    by_student = results(out)
    assert question_scores(by_student["right"]) == {"q1": 2.0, "q2": 2.0}, by_student["right"]
    assert by_student["right"]["score"] == 4.0
    # The wrong loss costs q1 the trained weights' point (train_weights is still defined); q2, which uses
    # d2l.SGD too, keeps its own.
    assert question_scores(by_student["wrong"]) == {"q1": 1.0, "q2": 2.0}, by_student["wrong"]
    failed = {t["name"]: t["output"] for t in by_student["wrong"]["tests"] if t["score"] < t["max_score"]}
    assert list(failed) == ["q1: linear regression trained with d2l.Trainer recovers the true weights"], failed
    assert "got tensor(" in failed["q1: linear regression trained with d2l.Trainer recovers the true weights"]


def test_where_torchvision_is_not_built_for_the_torch_validate_names_the_error(tmp_path):
    python = python_of(MISMATCHED)
    there = subprocess.run([str(python), "-c", "from d2l import torch"], capture_output=True, text=True, timeout=300)
    said = there.stderr.strip().splitlines()[-1]
    assert there.returncode != 0 and "torchvision::nms does not exist" in said, there.stderr[-2000:]
    folder = book_assignment(tmp_path)
    validated = cli(python, "validate", folder, cwd=tmp_path)
    assert validated.returncode != 0
    assert f"[packages] imports 'd2l.torch', which does not import here ({said})" in validated.stdout + validated.stderr
    out = tmp_path / "out"
    graded = cli(python, "grade", submissions(folder, tmp_path), "--assignment", folder, "--out", out, cwd=tmp_path)
    assert graded.returncode in (0, 1), graded.stderr
    right = results(out)["right"]
    # Only the public "is it defined" checks pass: every check that calls into d2l fails, saying why.
    assert question_scores(right) == {"q1": 1.0, "q2": 1.0}, right
    assert "torchvision::nms does not exist" in json.dumps(right), right
