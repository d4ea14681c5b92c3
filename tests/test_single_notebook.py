"""One notebook from a cold start: commands that grade nothing never import torch, one notebook's warm process
is started without what only a batch needs and still isolates every child, and the feedback page's view of
the notebook rendered ahead is used only for the very file graded."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from grader.core.errors import IsolationUnavailable
from grader.outputs import notebook_html
from grader.grading.pipeline import start_warm_process
from helpers import ASSIGNMENT, ROOT, SOLUTION, TEST_OPTIONS

# Runs grader's command line in a fresh interpreter and prints which heavy modules it imported.
PROBE = """
import json, sys
from grader.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:
    status = stop.code
print(json.dumps({"status": status, "imported": [m for m in ("torch", "pytest") if m in sys.modules]}))
"""


def _imports_of(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1]), done


@pytest.mark.parametrize("args", [
    ["--help"], ["grade", "--help"], ["check", "--help"], ["serve", "--help"], ["export", "--help"],
    ["stub", "weight_decay", "--out", "{tmp}/stub.ipynb"],
    ["new", "quiz", "--course", "{tmp}/course"],
], ids=lambda args: " ".join(a for a in args if "{tmp}" not in a))
# Not ``release``: it weighs the hidden checks by collecting them, and check modules import torch themselves.
def test_commands_that_grade_nothing_do_not_import_torch_or_pytest(args, tmp_path):
    result, done = _imports_of(*(a.format(tmp=tmp_path) for a in args), cwd=ROOT)
    assert result["status"] in (0, None), done.stderr
    assert result["imported"] == [], f"grader {' '.join(args)} imported {result['imported']}"


def test_export_and_review_of_a_graded_folder_do_not_import_torch(warm, tmp_path):
    """The engine's part: weight decay's own feedback module draws the reference sweep with torch, so the
    folder exported with is a copy without it."""
    from grader.classroom.gradebook import Gradebook
    from grader.grading.pipeline import grade_notebook

    folder = tmp_path / "weight_decay"
    shutil.copytree(ASSIGNMENT.folder, folder)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('feedback = "feedback"', ""))
    report = grade_notebook(SOLUTION, "alice", ASSIGNMENT, warm, TEST_OPTIONS)
    with Gradebook(tmp_path / "out") as gradebook:
        gradebook.use_assignment(ASSIGNMENT.name, folder)
        gradebook.record(report, report.sha256, "settings")
    for args in (["export", "--out", tmp_path / "out", "--csv", tmp_path / "scores.csv"],
                 ["review", "--out", tmp_path / "out"],
                 ["review", "--out", tmp_path / "out", "--student", "alice", "--question", "q1", "--score", "0.5"]):
        result, done = _imports_of(*args, cwd=ROOT)
        assert result["status"] == 0, done.stderr
        assert result["imported"] == [], f"grader {args[0]} imported {result['imported']}"


def _notebook_processes(warm, expected: int) -> int:
    """How many processes the warm process holds below it once starting settles (a child forking its
    notebook process, in its own PID namespace, leaves for a moment): ``expected``, or what it held last."""
    deadline = time.monotonic() + 3
    while True:
        held = len(psutil.Process(warm.proc.pid).children(recursive=True))
        if held == expected or time.monotonic() > deadline:
            return held
        time.sleep(0.05)


def test_a_single_notebooks_warm_process_starts_no_spare_and_isolates_its_child_as_a_batchs_does(warm):
    single = start_warm_process(ASSIGNMENT, TEST_OPTIONS, single=True)
    try:
        assert single.level is None  # launched, not waited for: its first child tells the level
        child = single.spawn("", 0, 5.0)
        try:
            assert child.isolation == warm.isolation and single.level == warm.level
            assert child.run_cell(1, "x = 6 * 7", 10)["ok"]
            assert _notebook_processes(single, 1) == 1, "a notebook process was started ahead for one notebook"
        finally:
            child.kill()
    finally:
        single.close()


def test_a_batchs_warm_process_still_starts_the_next_notebook_process_ahead():
    batch = start_warm_process(ASSIGNMENT, TEST_OPTIONS)
    try:
        child = batch.spawn("", 0, 5.0)
        try:
            assert _notebook_processes(batch, 2) == 2
        finally:
            child.kill()
    finally:
        batch.close()


def test_a_single_notebook_below_the_required_isolation_is_refused_before_any_cell_runs():
    options = dataclasses.replace(TEST_OPTIONS, isolation="none", require_isolation="full")
    single = start_warm_process(ASSIGNMENT, options, single=True)
    try:
        with pytest.raises(IsolationUnavailable):
            single.spawn("", 0, 5.0)
        assert single.proc.poll() is not None, "the warm process is closed with the refusal"
    finally:
        single.close()


def test_the_notebook_rendered_ahead_is_the_page_of_that_file_only(tmp_path):
    notebook = tmp_path / "weight_decay.ipynb"
    shutil.copy(SOLUTION, notebook)
    sha = hashlib.sha256(notebook.read_bytes()).hexdigest()
    fresh = notebook_html.notebook_view(notebook, sha)
    notebook_html.render_ahead(notebook)
    assert notebook_html.notebook_view(notebook, sha) == fresh

    notebook_html.render_ahead(notebook)
    notebook.write_text(notebook.read_text().replace("Weight Decay", "Weight Decay, changed"))
    view = notebook_html.notebook_view(notebook, sha)
    assert view.html is None and "changed since it was graded" in view.missing


# Runs grader's command line and stops it where it launches its warm process, printing whether torch (which the
# grader itself needs for the checks) was imported by then: launched first, the warm process's start-up
# overlaps the grader's own import of torch.
LAUNCH_PROBE = """
import json, sys
import grader.sandbox.warm_process as warm_process

class Launched(BaseException):
    pass

def launch(self, *args, **kwargs):
    raise Launched("torch" in sys.modules)

warm_process.WarmProcess.__init__ = launch
from grader.cli import main
try:
    main(sys.argv[1:])
except Launched as stop:
    print(json.dumps({"launched": True, "torch": stop.args[0]}))
else:
    print(json.dumps({"launched": False}))
"""


def _torch_at_launch(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", LAUNCH_PROBE, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def _bundle_like(folder):
    """The weight-decay assignment as a release bundle has it (public checks, the hidden checks' weights),
    made without grading the solution; only the layout matters here."""
    from grader.checks.hidden_shares import HiddenShare, write_manifest

    shutil.copytree(ASSIGNMENT.folder, folder, ignore=shutil.ignore_patterns("hidden", "__pycache__"))
    write_manifest(folder / "checks", ASSIGNMENT, (HiddenShare("q1", 1, 1.0),))
    return folder


def test_a_students_check_launches_the_warm_process_before_the_grader_imports_torch(tmp_path):
    bundle = _bundle_like(tmp_path / "weight_decay")
    result, done = _torch_at_launch("check", "weight_decay.ipynb", cwd=bundle)
    assert result == {"launched": True, "torch": False}, done.stderr


def test_a_gradescope_run_launches_the_warm_process_before_the_grader_imports_torch(tmp_path):
    root = tmp_path / "autograder"
    shutil.copytree(ASSIGNMENT.folder, root / "source" / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "source" / "autograder.json").write_text(json.dumps(
        {"assignment": ASSIGNMENT.name, "version": ASSIGNMENT.version, "folder": "assignment", "timeout": 600}))
    (root / "submission").mkdir()
    shutil.copy(SOLUTION, root / "submission" / "weight_decay.ipynb")
    result, done = _torch_at_launch("gradescope", "run", "--root", root, "--source", root / "source", cwd=tmp_path)
    assert result == {"launched": True, "torch": False}, done.stderr


def test_the_checks_api_is_whole_when_its_modules_load_on_first_use():
    """grader.checks gives each documented name (loaded on first use), and ``show`` is the function even once
    its module was imported by another path; it describes tensors and the student's objects as before."""
    probe = """
import json, sys
import grader.checks
before = "torch" in sys.modules
import grader.checks.expect  # imports the module grader.checks.show on its own
from grader.checks import show, same_as_solution, Scenario, expect_tensor, CheckFailed, suggest_from_rubric
import torch
from grader.sandbox.handles import RemoteRef
print(json.dumps({"before": before, "all": sorted(n for n in grader.checks.__all__ if callable(getattr(grader.checks, n))),
                  "tensor": show(torch.tensor([1.0, 2.0])), "ref": show(RemoteRef(3, "Net")), "float": show(0.5)}))
"""
    done = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    import grader.checks

    assert result == {"before": False, "all": sorted(grader.checks.__all__),
                      "tensor": "tensor shape (2,) float32 [1, 2]", "ref": "a Net object", "float": "0.5"}, done.stderr


def test_the_feedback_modules_warm_up_gets_the_reference_sweep_before_a_first_page(tmp_path):
    """The engine's warm-up (run beside one notebook's cells) calls the feedback module's ``warm_up``: weight
    decay's gets the reference sweep there, and the page's figure afterwards reuses it, the same figure. The sweep
    is a reference value (grader/assignments/reference_values.py): trained by the first process of this version
    of the folder, read from the cache by the next."""
    probe = """
import json
from grader.assignments.manifest import load_assignment
from grader.outputs import feedback

assignment = load_assignment("solutions/weight_decay")
feedback.warm_up(assignment)
from weight_decay import reference
trained = reference.reference_sweep.computed
hook = feedback.feedback_hook(assignment)
rows = [dict(row) for row in reference.reference_sweep()]
figures = hook.feedback_figures("q3", {"sweep": rows})
print(json.dumps({"trained_in_warm_up": trained, "trained_after": reference.reference_sweep.computed,
                  "png": figures[0]["png"][:8].hex()}))
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRADER_CACHE_DIR=str(tmp_path / "cache"))
    results = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert results == [{"trained_in_warm_up": 1, "trained_after": 1, "png": "89504e470d0a1a0a"},
                       {"trained_in_warm_up": 0, "trained_after": 0, "png": "89504e470d0a1a0a"}]


def test_the_command_line_leaves_its_objects_to_the_exit_without_a_last_collection(tmp_path):
    """A command's objects are frozen at exit (the exit's collections skip them); what it wrote is whole."""
    probe = """
import atexit, gc, json, sys
from grader.cli import main
status = main(["stub", "weight_decay", "--out", sys.argv[1]])
frozen_before = gc.get_freeze_count()
atexit._run_exitfuncs()
print(json.dumps({"status": status, "frozen_before": frozen_before, "frozen_at_exit": gc.get_freeze_count() > 0}))
"""
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "stub.ipynb")], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"status": 0, "frozen_before": 0,
                                                                 "frozen_at_exit": True}
    import nbformat

    nbformat.validate(nbformat.read(tmp_path / "stub.ipynb", as_version=4))


PLOTS = '''
import sys
had_matplotlib = "matplotlib" in sys.modules
import io
import matplotlib
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1.0, 2.0, 3.0], [1.0, 10.0, 100.0], "o-", label="loss")
ax.set_yscale("log")
ax.legend()
buffer = io.BytesIO()
fig.savefig(buffer, format="png")

def facts():
    return [had_matplotlib, matplotlib.get_backend().lower(), buffer.getvalue()[:8].hex(), plt.gcf().number]
'''


@pytest.mark.parametrize("plots", [False, True], ids=["matplotlib on first use", "matplotlib warmed up"])
def test_a_notebook_plots_alike_whether_its_warm_process_loaded_matplotlib_or_not(plots):
    from grader.sandbox.warm_process import WarmProcess

    single = WarmProcess(isolation=TEST_OPTIONS.isolation, batch=False, plots=plots)
    try:
        child = single.spawn("", 0, 5.0)
        try:
            assert child.isolation.get("level") == single.level
            ran = child.run_cell(1, PLOTS, 60)
            assert ran["ok"], ran
            assert child.call("facts") == [plots, "agg", "89504e470d0a1a0a", 1]
        finally:
            child.kill()
    finally:
        single.close()


def test_one_notebooks_warm_process_loads_matplotlib_only_for_a_notebook_that_names_it(tmp_path):
    from grader.grading.single_notebook import names_matplotlib

    assert names_matplotlib(SOLUTION)
    assert not names_matplotlib(ROOT / "solutions" / "dropout" / "dropout.ipynb")
    assert names_matplotlib(tmp_path / "missing.ipynb"), "an unreadable file is graded as usual"


def test_one_notebooks_warm_process_takes_a_first_optimizer_step_only_for_a_notebook_that_names_an_optimizer(tmp_path):
    from grader.grading.single_notebook import names_optimizer

    assert names_optimizer(SOLUTION) and names_optimizer(ROOT / "solutions" / "dropout" / "dropout.ipynb")
    for source, names in (("from torch import optim", True), ("opt = torch.optim.Adam(ps)", True),
                          ("model.configure_optimizers()", True), ("the optimal lambda", False),
                          ("x = w @ X + b", False)):
        notebook = tmp_path / "nb.ipynb"
        notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
        assert names_optimizer(notebook) is names, source
    assert names_optimizer(tmp_path / "missing.ipynb"), "an unreadable file is graded as usual"
