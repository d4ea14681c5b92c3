"""The whole run's time budget: a notebook of many cells that each sleep just under the cell limit still
gets a result, in time, with every question accounted for (``grader grade --deadline``, ``grader check
--deadline``, and Gradescope's run with the zip's ``timeout``); the watchdog writes one whatever hangs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest

from batch_helpers import run_cli
from helpers import ASSIGNMENT, ROOT, SOLUTION, appended
from grader.core.deadline import Deadline
from test_gradescope import run_autograder

SLEEPING_CELLS = 21
CELL_LIMIT = 4.0
SLEEP = 3.8  # just under the cell limit: no cell is stopped by its own limit; 21 of them need 80 s


def sleeping_notebook(path):
    notebook = nbformat.read(SOLUTION, as_version=4)
    for number in range(SLEEPING_CELLS):
        notebook = appended(notebook, f"import time\ntime.sleep({SLEEP})  # cell {number}")
    nbformat.write(notebook, path)
    return path


def question_tags(results: dict) -> set:
    return {tag for test in results["tests"] for tag in test["tags"]}


def code_questions() -> set:
    """The questions with code points (q5 and q6 are written answers only: people grade them on Gradescope)."""
    from grader.delivery.written_outline import written_outline

    written = {part.question: part.points for part in written_outline(ASSIGNMENT).written}
    return {q.id for q in ASSIGNMENT.questions if q.points - written.get(q.id, 0) > 0}


def test_a_deadline_caps_cells_and_skips_what_is_left():
    deadline = Deadline(at=time.time() + 5, budget=5, reserve=1)
    assert 3.5 < deadline.remaining() <= 4 and deadline.cap(30) <= 4 and deadline.cap(0.5) == 0.5
    spent = Deadline(at=time.time() + 0.5, budget=0.5, reserve=1)
    assert spent.low and spent.cap(30) == 0.1 and "0.5 s" in spent.message
    assert Deadline.after(600).reserve == 30 and Deadline.after(5).reserve == 1


@pytest.mark.e2e
def test_grade_with_a_deadline_writes_every_question_in_time(tmp_path):
    notebook = sleeping_notebook(tmp_path / "sleepy.ipynb")
    budget = 45.0
    started = time.time()
    done = run_cli("grade", notebook, "--out", tmp_path / "out", "--assignment", ASSIGNMENT.folder,
                   "--cell-timeout", str(CELL_LIMIT), "--deadline", str(budget), cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "out" / "sleepy" / "results.json"
    # Written within the budget (the feedback page is rendered in the reserve: a few seconds' slack on a
    # loaded machine), long before the 80 s the cells would need.
    assert written.stat().st_mtime - started < budget + 5, written.stat().st_mtime - started
    results = json.loads(written.read_text())
    output = results["output"]
    assert "time budget (45 s) ran out" in output
    skipped = [line for line in output.splitlines() if "not run: the grading's time budget" in line]
    assert skipped, output
    # Every question is in the results, with the checks the budget left out saying so.
    assert question_tags(results) == {q.id for q in ASSIGNMENT.questions}
    not_run = [t for t in results["tests"] if "not run: the grading's time budget" in t["output"]]
    assert not_run and all(t["score"] == 0 for t in not_run)


@pytest.mark.e2e
def test_gradescope_run_answers_within_the_zip_s_timeout(tmp_path):
    autograder_zip = tmp_path / "sleepy.zip"
    built = run_cli("gradescope", "build", ASSIGNMENT.folder, "--out", autograder_zip, "--timeout", "45",
                    cwd=tmp_path, timeout=300)
    assert built.returncode == 0, built.stderr
    notebook = sleeping_notebook(tmp_path / "weight_decay.ipynb")
    started, wall = time.monotonic(), time.time()
    process, results = run_autograder(autograder_zip, tmp_path, [("weight_decay.ipynb", notebook.read_bytes())])
    elapsed = time.monotonic() - started
    assert process.returncode == 0, process.stderr
    assert elapsed < 45, elapsed
    assert question_tags(results) == code_questions()
    assert "time budget (45 s) ran out" in results["output"]
    # execution_time counts from the start of run_autograder, start-up included, to when results.json is
    # written (the processes' clean-up after that is not the student's wait). The zip's unpacking happens
    # before run_autograder starts: a few seconds' slack below, the rounding's above.
    written = (tmp_path / "autograder" / "results" / "results.json").stat().st_mtime - wall
    assert written - 3 <= results["execution_time"] <= written + 1, (results["execution_time"], written)


def test_the_watchdog_writes_results_and_ends_a_run_that_hangs(tmp_path):
    """What cannot be stepped past (a hang in the grader's own process) still ends in a results.json that
    accounts for every question, before the budget is over."""
    script = textwrap.dedent(f"""
        import threading, time
        from pathlib import Path
        from grader.assignments.manifest import load_assignment
        from grader.core.deadline import Deadline
        from grader.delivery.gradescope.run import write_results
        from grader.delivery.gradescope.watchdog import Watchdog, out_of_time_report
        assignment = load_assignment({str(ASSIGNMENT.folder)!r})
        deadline = Deadline.after(3.0)
        print(deadline.at, flush=True)
        results = Path({str(tmp_path / "results")!r})
        code = {{"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 1.0}}
        Watchdog(deadline, lambda: write_results(out_of_time_report(assignment, "s", "s.ipynb", deadline, code),
                                                 None, results, assignment), threading.Lock()).start()
        time.sleep(60)  # a hang
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    deadline_at = float(done.stdout.split()[0])
    written = tmp_path / "results" / "results.json"
    results = json.loads(written.read_text())
    assert written.stat().st_mtime <= deadline_at and results["score"] == 0  # well before the 60 s hang ends
    assert question_tags(results) == {"q1", "q2", "q3", "q4"}
    assert results["extra_data"]["max_score"] == 10.0
    assert all("time budget (3 s) ran out" in t["output"] for t in results["tests"])


@pytest.mark.parametrize("cut", [False, True])
def test_a_grade_the_budget_cut_short_is_stored_but_graded_again_next_run(tmp_path, cut):
    """A deadline-cut grade is kept (the student's results show it) but never taken as up to date."""
    from grader.classroom.batch import _plan, _store, grade_settings
    from grader.classroom.gradebook import Gradebook
    from grader.classroom.worker import Graded, Job
    from grader.core.records import CellFailure, GradeReport
    from grader.grading.pipeline import GradeOptions

    notebook = tmp_path / "s1.ipynb"
    notebook.write_text("{}")
    from grader.classroom.batch import file_sha256

    sha = file_sha256(notebook)
    failures = (CellFailure(7, "skipped", Deadline.after(45).message),) if cut else ()
    report = GradeReport("s1", str(notebook), ASSIGNMENT.name, ASSIGNMENT.version, sha, (), failures)
    options, said = GradeOptions(), []
    with Gradebook(tmp_path / "out") as gradebook:
        _store(Graded(Job(notebook, "s1", sha, ()), report, {"results.json": "{}"}, True), gradebook,
               tmp_path / "out", grade_settings(options), said.append, quiet=True)
        jobs, kept = _plan([notebook], ["s1"], gradebook, ASSIGNMENT, options, force=False)
        assert "s1" in gradebook.stored()
    assert (len(jobs), len(kept)) == ((1, 0) if cut else (0, 1))
    assert any("the next run grades it again" in line for line in said) == cut
