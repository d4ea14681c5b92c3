"""docs/authoring.md's examples cannot rot: every Python and TOML block parses, the manifest example is a
manifest the grader reads, the walk-through quotes the softmax assignment's real files (which its gallery
grades), and the example checks of sections 4 and 4a, written into a copy of that assignment, pass on its
solution and fail on a wrong softmax."""
from __future__ import annotations

import ast
import re
import shutil
import textwrap

import nbformat
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from helpers import ROOT

GUIDE = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
SOFTMAX = ROOT / "solutions" / "softmax_regression"
CHECK_IMPORTS = '''import pytest
import torch

from grader.checks import *  # noqa: F403 - what the guide's examples import
from grader.checks.expect import CheckFailed, expect_tensor  # noqa: F401
'''


def blocks(language: str, text: str = GUIDE) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def section(start: str, end: str) -> str:
    return GUIDE[GUIDE.index(start):GUIDE.index(end)]


def test_every_python_and_toml_block_parses():
    python, toml = blocks("python"), blocks("toml")
    assert len(python) >= 7 and len(toml) >= 5
    for block in python:
        ast.parse(block)
    for block in toml:
        tomllib.loads(block)


def test_the_manifest_example_is_a_manifest_the_grader_reads(tmp_path):
    from grader.assignments.manifest import load_assignment

    manifest = blocks("toml", section("## 2. The manifest", "## 3."))[0]
    name = tomllib.loads(manifest)["name"]
    folder = tmp_path / name
    folder.mkdir()
    (folder / "assignment.toml").write_text(manifest, encoding="utf-8")
    for module in ("child_helpers.py", "feedback.py"):
        (folder / module).write_text("HELPERS = {}\n", encoding="utf-8")
    assignment = load_assignment(folder)
    assert [q.id for q in assignment.questions] == ["q1"] and assignment.child_helpers == "child_helpers"
    # The `uses` example: a later question naming an earlier one.
    uses = blocks("toml", section("**Questions stay independent by declaration.**", "## 3."))[0]
    (folder / "assignment.toml").write_text(manifest + "\n" + uses, encoding="utf-8")
    assert load_assignment(folder).question("q2").uses == ("q1",)


def _joined(text: str) -> str:
    """Lines continued with a backslash joined (TOML strings wrap at other places in the guide)."""
    return re.sub(r"\\\n\s*", "", text)


def _normalised(line: str) -> str:
    return re.sub(r"\s+", " ", line.split("  #", 1)[0]).strip()


def test_the_walk_through_quotes_the_softmax_assignment():
    """Each line of the walk-through's code (its abbreviations, ``...``, and comments aside) is a line of the
    assignment's files, so the walk-through shows what the gallery grades."""
    files = [*SOFTMAX.glob("*.py"), *SOFTMAX.glob("checks/*/*.py"), SOFTMAX / "mistakes.toml",
             SOFTMAX / "assignment.toml"]
    real = {_normalised(line) for path in files for line in _joined(path.read_text(encoding="utf-8")).splitlines()}
    walk = section("### Walk-through", "### Line counts")
    quoted = [line for language in ("python", "toml") for block in blocks(language, walk)
              for line in _joined(block).splitlines()]
    missing = [line for line in quoted if _normalised(line) and "..." not in line
               and not line.lstrip().startswith("#") and _normalised(line) not in real]
    assert len(quoted) > 40 and not missing, missing


def example_checks() -> list[str]:
    """The example check modules of sections 4 and 4a (those that call the notebook through ``student``)."""
    text = section("## 4. Checks", "### Mistakes are data")
    return [block for block in blocks("python", text) if "def test_" in block and "(student" in block]


@pytest.mark.e2e
def test_the_guide_s_example_checks_pass_on_the_solution_and_fail_on_a_wrong_softmax(tmp_path):
    from grader.assignments.manifest import Limits, load_assignment
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

    folder = tmp_path / "softmax_regression"
    shutil.copytree(SOFTMAX, folder, ignore=shutil.ignore_patterns("__pycache__"))
    examples = example_checks()
    assert len(examples) == 2
    for number, block in enumerate(examples):
        body = block if "pytestmark" in block else 'pytestmark = pytest.mark.question("q1")\n\n' + block
        (folder / "checks" / "hidden" / f"test_guide_{number}.py").write_text(
            CHECK_IMPORTS + "\n" + body.replace("import pytest\nimport torch\n", ""), encoding="utf-8")
    assignment = load_assignment(folder)
    options = GradeOptions(limits=Limits(cell=30.0, call=5.0))
    solution = nbformat.read(assignment.solution, as_version=4)
    wrong = nbformat.read(assignment.solution, as_version=4)
    demo = next(i for i, cell in enumerate(wrong.cells) if cell.get("id") == "training")
    wrong.cells.insert(demo, nbformat.v4.new_code_cell(textwrap.dedent('''
        def softmax(X):
            return torch.exp(X) / torch.exp(X).sum()
    ''')))
    outcomes = {}
    with start_warm_process(assignment, options) as warm:
        for label, notebook in (("solution", solution), ("wrong", wrong)):
            path = tmp_path / f"{label}.ipynb"
            nbformat.write(notebook, path)
            report = grade_notebook(path, label, assignment, warm, options)
            outcomes[label] = {c.outcome.name: c.outcome.status for q in report.questions for c in q.checks
                               if "test_guide_" in (c.outcome.origin or "")}
    names = {"softmax stays finite for large inputs", "softmax rows sum to one, for any shape and dtype",
             "forward is X W + b on known parameters"}
    assert set(outcomes["solution"]) == names and set(outcomes["solution"].values()) == {"passed"}, outcomes
    assert outcomes["wrong"]["softmax rows sum to one, for any shape and dtype"] == "failed", outcomes
    assert outcomes["wrong"]["softmax stays finite for large inputs"] == "failed", outcomes


def reference_examples() -> list[tuple[str, str]]:
    """``(where, code)`` of each example in the docstrings the checks reference is generated from: the inline
    ``Example: ``code`` `` and the indented block after ``Example::``."""
    import inspect

    import grader.checks as checks

    found = []
    for name in checks.__all__:
        obj = getattr(checks, name)
        members = [(name, obj)] + [(f"{name}.{m}", f) for m, f in inspect.getmembers(obj, inspect.isfunction)
                                   if inspect.isclass(obj) and not m.startswith("_")]
        for where, member in members:
            doc = inspect.cleandoc(member.__doc__ or "")
            # An inline example may wrap onto the next line of the docstring: one line of code all the same.
            found += [(where, " ".join(code.split("\n"))) for code in re.findall(r"Example: ``(.+?)``(?!`)", doc, re.S)]
            for block in re.findall(r"Example::\n\n((?:    .*\n?|\n)+)", doc):
                found.append((where, textwrap.dedent(block)))
    return found


def test_the_checks_reference_examples_parse():
    examples = reference_examples()
    assert len(examples) >= 15
    broken = []
    for where, code in examples:
        try:
            ast.parse(code)
        except SyntaxError as exc:
            broken.append(f"{where}: {code!r}: {exc}")
    assert not broken, broken
