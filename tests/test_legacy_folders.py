"""Assignment folders written for the grader before grader.checks (copies kept in tests/fixtures/legacy/) keep
working: they validate, and grade as they did."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.assignments.manifest import load_assignment
from grader.grading.pipeline import grade_notebook, start_warm_process
from helpers import ROOT, SOLUTION, TEST_OPTIONS, appended, messages, scores

LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"


def _course(tmp_path, name):
    shutil.copytree(LEGACY / name, tmp_path / "solutions" / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "exercises" / name, tmp_path / "exercises" / name)
    return tmp_path / "solutions" / name


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["weight_decay", "dropout"])
def test_a_legacy_folder_still_validates(tmp_path, name):
    from grader.authoring.validate import validate

    assert [str(p) for p in validate(_course(tmp_path, name))] == []


def test_a_legacy_folder_grades_as_before(tmp_path, solution_nb):
    legacy = load_assignment(_course(tmp_path, "weight_decay"))
    with start_warm_process(legacy, TEST_OPTIONS) as warm:
        _grades_as_before(tmp_path, legacy, warm, solution_nb)


def _grades_as_before(tmp_path, legacy, warm, solution_nb):
    full = {q.id: float(q.points) for q in legacy.questions}
    right = grade_notebook(SOLUTION, "solution", legacy, warm, TEST_OPTIONS)
    assert scores(right) == full
    wrong = tmp_path / "wrong.ipynb"
    import nbformat

    nbformat.write(appended(solution_nb, "def l1_sgd_update(w, grad, lr, lambd):\n"
                                         "    return w - lr * (grad - lambd * torch.sign(w))\n"), wrong)
    report = grade_notebook(wrong, "wrong", legacy, warm, TEST_OPTIONS)
    assert scores(report)["q1"] < full["q1"] and {q: s for q, s in scores(report).items() if q != "q1"} == \
        {q: s for q, s in full.items() if q != "q1"}
    assert any("pull weights toward zero" in m for m in messages(report, "q1"))


@pytest.mark.parametrize("name", ["weight_decay", "dropout"])
def test_validate_names_each_old_module_a_legacy_folder_imports_with_its_new_spelling(tmp_path, name, capsys):
    """Inside the grader's pytest session the DeprecationWarning of an old name is recorded, not shown, so
    `grader validate` lists every such import (file:line, old and new spelling) on stderr."""
    from grader.authoring.old_names import old_module_names

    folder = LEGACY / name
    found = old_module_names(folder)
    in_sources = {(p.relative_to(folder).as_posix(), n) for p in folder.rglob("*.py")
                  for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                  if line.lstrip().startswith(("import grader.", "from grader.")) and
                  line.split()[1] in __import__("grader.moved_modules").moved_modules.MOVED}
    assert in_sources and in_sources <= {(f, n) for f, n, _, _ in found}
    assert all(new != old and new.startswith("grader.") for _, _, old, new in found)
    with pytest.warns(DeprecationWarning, match=rf"{found[0][2]} is now {found[0][3]}: import it from there"):
        import importlib
        import sys

        sys.modules.pop(found[0][2], None)
        importlib.import_module(found[0][2])
