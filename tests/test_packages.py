"""What an assignment's notebooks may import beyond the grader's own dependencies (``[packages]``): the warm
process imports each declared package once, the child's isolation lets it read the package's files,
``grader validate`` checks each imports, and setup.sh installs them without touching the grader's pins.

The d2l case (``from d2l import torch as d2l``, the book's way with d2l.Module, d2l.SGD, d2l.Trainer):
d2l's torch module imports torchvision, which must match the installed torch. Where it imports, the
notebook is graded to full points; where it does not (this project's CPU torch wheel has no matching
torchvision), ``grader validate`` says so, naming the error, before any student is graded. Here, in the
project's own environment (no d2l: the last test below); tests/test_packages_d2l.py grades it in
environments with d2l and a torchvision built for the torch, and one that is not.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile

import nbformat
import pytest

from batch_helpers import run_cli
from grader.assignments.manifest import load_assignment
from grader.core.errors import AssignmentError
from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process
from grader.authoring.validate import validate

PRELOAD_CHECK = '''
import pytest

pytestmark = pytest.mark.question("q1")


def test_the_declared_package_was_loaded_before_the_notebook_ran(student):
    """the package the manifest declares is loaded before any cell runs"""
    assert student.fn("preloaded")() is True, "latex2mathml was not imported before the notebook ran"


def test_the_package_s_files_can_be_read(student):
    """a module of the package that nobody imported yet imports in the notebook"""
    assert student.fn("lazily")() == "ok"
'''

D2L_CHECK = '''
import pytest
import torch

pytestmark = pytest.mark.question("q1")


def test_trained_weights(student):
    """linear regression trained with d2l.Trainer recovers the true weights"""
    w = student.fn("train_weights")()
    assert torch.allclose(w, torch.tensor([2.0, -3.4]), atol=0.3), f"got {w}"
'''

D2L_CELLS = ['from d2l import torch as d2l\nimport torch', '''class LinearRegressionScratch(d2l.Module):
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return torch.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        return ((y_hat - y) ** 2 / 2).mean()

    def configure_optimizers(self):
        return d2l.SGD([self.w, self.b], self.lr)


def train_weights():
    ### BEGIN SOLUTION
    torch.manual_seed(0)
    model = LinearRegressionScratch(2, lr=0.03)
    data = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2)
    d2l.Trainer(max_epochs=3).fit(model, data)
    return model.w.detach().reshape(-1)
    ### END SOLUTION''']


def tiny_assignment(tmp_path, imports, cells, check, names):
    """A one-question assignment made by ``grader new``, with the given ``[packages] imports``, code cells,
    hidden check and names."""
    made = run_cli("new", "tiny", cwd=tmp_path, timeout=300)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "solutions" / "tiny"
    manifest = (folder / "assignment.toml").read_text().replace('names = ["softmax"]', f"names = {names!r}".replace("'", '"'))
    if imports is not None:
        manifest = manifest.replace("[limits]", f"[packages]\nimports = {imports!r}\n\n[limits]".replace("'", '"'))
    (folder / "assignment.toml").write_text(manifest)
    for old in (folder / "checks").rglob("test_*.py"):
        old.unlink()
    (folder / "checks" / "hidden" / "test_q1.py").write_text(check)
    (folder / "checks" / "public" / "test_q1_public.py").write_text(
        'import pytest\n\npytestmark = pytest.mark.question("q1")\n\n\ndef test_defined(student):\n'
        '    """the notebook defines what q1 asks for"""\n    assert student.fn("' + names[0] + '") is not None\n')
    notebook = nbformat.read(folder / "tiny.ipynb", as_version=4)
    notebook.cells = notebook.cells[:1] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, folder / "tiny.ipynb")
    return load_assignment(folder)


def grade(assignment):
    options = GradeOptions(assignment.limits)
    with start_warm_process(assignment, options) as warm:
        return grade_notebook(assignment.solution, "solution", assignment, warm, options), warm.import_errors


PRELOAD_CELLS = ['import sys\nPRELOADED = "latex2mathml" in sys.modules\nimport latex2mathml',
                 'def preloaded():\n    return PRELOADED\n\n\ndef lazily():\n'
                 '    import latex2mathml.converter  # read from site-packages, under the isolation\n    return "ok"']


def test_a_declared_package_is_imported_once_before_any_notebook_runs(tmp_path):
    assignment = tiny_assignment(tmp_path, ["latex2mathml"], PRELOAD_CELLS, PRELOAD_CHECK, ["preloaded"])
    assert assignment.packages.imports == ("latex2mathml",)
    report, errors = grade(assignment)
    assert errors == {} and not report.cell_failures, report.cell_failures
    assert report.score == report.max_score > 0, [(c.outcome.name, c.outcome.message) for q in report.questions
                                                  for c in q.checks]
    assert report.isolation["level"] == "full"


def test_without_the_declaration_the_package_is_not_preloaded(tmp_path):
    assignment = tiny_assignment(tmp_path, None, PRELOAD_CELLS, PRELOAD_CHECK, ["preloaded"])
    report, _ = grade(assignment)
    failed = [c.outcome.name for q in report.questions for c in q.checks if c.outcome.status != "passed"]
    assert failed == ["the package the manifest declares is loaded before any cell runs"]


def test_validate_and_the_manifest_say_what_is_wrong_with_a_package_list(tmp_path):
    assignment = tiny_assignment(tmp_path, ["no_such_package_here"], PRELOAD_CELLS, PRELOAD_CHECK, ["preloaded"])
    problems = [str(p) for p in validate(assignment.folder)
                if "no_such_package_here" in str(p)]
    assert problems and "does not import here (ModuleNotFoundError" in problems[0]
    manifest = assignment.folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('imports = ["no_such_package_here"]', 'imports = "d2l"'))
    with pytest.raises(AssignmentError, match=r"\[packages\] imports = 'd2l': a list"):
        load_assignment(assignment.folder)


def test_setup_installs_declared_packages_without_their_pins(tmp_path):
    folder = tiny_assignment(tmp_path, ["d2l"], PRELOAD_CELLS, PRELOAD_CHECK, ["preloaded"]).folder
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace(
        'imports = ["d2l"]', 'imports = ["d2l"]\ninstall = ["pandas", "requests", "scipy", "torchvision"]\n'
                             'install_no_deps = ["d2l==1.0.3"]'))
    out = tmp_path / "tiny.zip"
    built = run_cli("gradescope", "build", folder, "--out", out, cwd=tmp_path, timeout=300)
    assert built.returncode == 0, built.stderr
    setup = zipfile.ZipFile(out).read("setup.sh").decode()
    assert 'pip" install -c "$SOURCE/constraints.txt" pandas requests scipy\n' in setup
    # torchvision is installed apart, paired with the installed torch (tests/test_gradescope_setup.py runs it).
    assert 'pip" install "${TORCH_FROM[@]}" "torch==$TORCH_VERSION" torchvision;' in setup
    assert 'pip" install --no-deps d2l==1.0.3' in setup
    syntax = subprocess.run(["bash", "-n"], input=setup, capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr


def test_a_notebook_written_the_book_s_way_with_d2l(tmp_path):
    assignment = tiny_assignment(tmp_path, ["d2l.torch"], D2L_CELLS, D2L_CHECK, ["train_weights"])
    here = subprocess.run([sys.executable, "-c", "from d2l import torch"], capture_output=True, text=True, timeout=300)
    if here.returncode == 0:
        report, errors = grade(assignment)
        assert errors == {} and not report.cell_failures, report.cell_failures
        assert report.score == report.max_score > 0
    else:
        # d2l or the torchvision it imports cannot be imported beside this torch: validate says exactly that.
        said = here.stderr.strip().splitlines()[-1]
        problems = [str(p) for p in validate(assignment.folder)]
        assert any("[packages] imports 'd2l.torch', which does not import here" in p and said in p
                   for p in problems), (said, problems)
        report, errors = grade(assignment)
        assert said.split(":")[0] in errors["d2l.torch"]
        assert report.cell_failures and report.cell_failures[0].cell == 2


def test_the_grader_accepts_the_torch_of_each_test_environment():
    """pyproject's torch range admits the torch of the d2l tests' environments (tests/torch_envs.py), whose
    build would fail otherwise, and the project's own pin."""
    from packaging.requirements import Requirement

    from torch_envs import RECIPES, _grader_dependencies

    torch = next(r for r in map(Requirement, _grader_dependencies()) if r.name == "torch")
    pinned = [Requirement(t).specifier for recipe in RECIPES for t in recipe.torch if t.startswith("torch==")]
    versions = [str(s).removeprefix("==") for s in pinned]
    assert "2.14.1" in versions and "2.13.0" in versions
    assert all(torch.specifier.contains(v) for v in versions), (str(torch.specifier), versions)
