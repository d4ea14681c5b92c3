"""A mistake in one question costs points in that question only, whatever the notebook does."""
import copy

import nbformat

from helpers import ASSIGNMENT, appended, messages, replace_in_cell, scores
from grader.assignments.manifest import Limits
from grader.grading.pipeline import GradeOptions

FULL = {q.id: float(q.points) for q in ASSIGNMENT.questions}


def others_full(report, broken):
    return {q: s for q, s in scores(report).items() if q not in broken} == \
        {q: s for q, s in FULL.items() if q not in broken}


def insert_after(notebook, cell_id, code):
    variant = copy.deepcopy(notebook)
    index = next(i for i, c in enumerate(variant.cells) if c.get("id") == cell_id)
    variant.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    return variant


def test_syntax_error_in_one_cell(grade, solution_nb):
    report = grade(replace_in_cell(solution_nb, "q2-code", "def frobenius_sq(W):", "def frobenius_sq(W)"))
    assert scores(report)["q2"] < 1.0 and others_full(report, {"q2"})
    [failure] = report.cell_failures
    assert failure.error.startswith("SyntaxError") and failure.frames[-1].cell == 9
    assert any("frobenius_sq is not defined" in m for m in messages(report, "q2"))


def test_statements_before_a_failing_line_keep_their_effect(grade, solution_nb):
    report = grade(replace_in_cell(solution_nb, "q1-code", "    ### END SOLUTION\n\n\ndef l1_sgd_update",
                                   "    ### END SOLUTION\n\n\nraise RuntimeError('oops')\n\ndef l1_sgd_update"))
    assert others_full(report, {"q1"})
    q1 = messages(report, "q1")
    assert q1 and all("l1_sgd_update is not defined" in m for m in q1 if "l1_" in m)
    assert report.cell_failures[0].error == "RuntimeError: oops"
    passed = [c.outcome.name for q in report.questions if q.question == "q1" for c in q.checks
              if c.outcome.status == "passed"]
    assert any("l1_penalty" in name for name in passed), "l1_penalty, defined before the error, must still be graded"


def test_function_that_hangs_costs_only_its_question(grade, solution_nb):
    hanging = "def frobenius_sq(W):\n    while True:\n        pass\n"
    report = grade(appended(solution_nb, hanging), GradeOptions(limits=Limits(cell=30, call=0.5)))
    assert others_full(report, {"q2"})
    code_checks = [c for q in report.questions if q.question == "q2" for c in q.checks if "written" not in c.outcome.name]
    assert code_checks and all(c.score == 0 and "did not finish within 0.5 s" in c.outcome.message for c in code_checks)


def test_missing_name_costs_only_its_question(grade, solution_nb):
    report = grade(replace_in_cell(solution_nb, "q3-code", "def sweep(", "def my_sweep("))
    assert scores(report)["q3"] < FULL["q3"] and others_full(report, {"q3"})
    assert any(m.startswith("sweep is not defined") for m in messages(report, "q3"))


def test_cell_that_swallows_its_time_limit_is_stopped_and_skipped(grade, solution_nb):
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
    report = grade(insert_after(solution_nb, "q1-code", stubborn), GradeOptions(limits=Limits(cell=3, call=3)))
    assert scores(report) == FULL
    [failure] = report.cell_failures
    assert failure.kind == "timeout" and "stopped" in failure.error


def test_cell_that_exits_the_process_is_skipped(grade, solution_nb):
    report = grade(insert_after(solution_nb, "q2-code", "import os\nos._exit(0)\n"))
    assert scores(report) == FULL
    assert [f.kind for f in report.cell_failures] == ["crashed"]


def test_sys_exit_and_keyboard_interrupt_are_cell_errors(grade, solution_nb):
    notebook = insert_after(solution_nb, "q1-code", "import sys\nsys.exit(0)\n")
    notebook = insert_after(notebook, "q2-code", "raise KeyboardInterrupt\n")
    report = grade(notebook)
    assert scores(report) == FULL
    assert sorted(f.error.split(":")[0] for f in report.cell_failures) == ["KeyboardInterrupt", "SystemExit"]


def test_magics_run_python_and_never_the_shell(grade, solution_nb, tmp_path):
    marker = tmp_path / "shell-ran"
    notebook = appended(solution_nb, f"%%bash\ntouch {marker}\n")
    notebook = appended(notebook, f"!touch {marker}\n%matplotlib inline\nx = 1\n")
    notebook = appended(notebook, "%%time\ndef frobenius_sq(W):\n    return W.sum()\n")
    report = grade(notebook)
    assert not marker.exists()
    assert scores(report)["q2"] < FULL["q2"] and others_full(report, {"q2"}), "the %%time body must run"
    assert any("%%bash cell not executed" in n for n in report.cell_notes)
    assert any("shell command not executed" in n for n in report.cell_notes)


def test_global_torch_settings_of_a_cell_do_not_leak_into_checks(grade, solution_nb):
    report = grade(replace_in_cell(solution_nb, "q1-code", "def l1_penalty(w):",
                                   "torch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n\n"
                                   "def l1_penalty(w):"))
    assert scores(report) == FULL


def test_missing_name_explained_by_the_cell_that_stopped_early(grade, solution_nb):
    report = grade(replace_in_cell(solution_nb, "q1-code", "def l1_penalty(w):",
                                   "import nonexistent_module\n\ndef l1_penalty(w):"))
    assert others_full(report, {"q1"})
    q1 = [m for m in messages(report, "q1") if "written" not in m]
    assert q1 and all("cell 6, which defines it, stopped at line 1" in m and "ModuleNotFoundError" in m for m in q1)


def test_a_hang_on_one_input_costs_only_that_check(grade, solution_nb):
    """The checks of a question share a copy of the notebook's process; one that hangs must not take
    the following checks of the question down with it."""
    hanging = ("_l1_sgd_update = l1_sgd_update\n\ndef l1_sgd_update(w, grad, lr, lambd):\n"
               "    while w.dim() == 3:\n        pass\n    return _l1_sgd_update(w, grad, lr, lambd)\n")
    report = grade(appended(solution_nb, hanging), GradeOptions(limits=Limits(cell=30, call=0.5)))
    assert others_full(report, {"q1"})
    updates = [c for q in report.questions if q.question == "q1" for c in q.checks
               if "l1_sgd_update matches" in c.outcome.name]
    failed = sorted(c.outcome.name for c in updates if c.score == 0)
    assert failed == sorted(c.outcome.name for c in updates if "2x3x5" in c.outcome.name) and len(failed) == 2
    assert all("did not finish within 0.5 s" in c.outcome.message for c in updates if c.score == 0)
    assert sum(c.score > 0 for c in updates) == 4
