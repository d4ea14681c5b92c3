"""What ``run_autograder`` does on Gradescope: grade the one notebook submitted, always leave a results.json.

A submission with no notebook, several, or one that cannot be read still gets
a valid ``results.json``: score 0 and an ``output`` that says what to upload.
Even a failure of the grader itself ends in a results.json that says so, so
the student never sees Gradescope's bare "autograder failed".

The run has a time budget: the zip's ``timeout`` (``grader gradescope build --timeout``, Gradescope's
default 10 minutes), counted from the start of ``run_autograder`` (``GRADER_STARTED_AT``, which the
script sets). Cells and checks stop starting when it runs low, and a watchdog writes a results.json
accounting for every question before it ends, whatever hangs (grader/delivery/gradescope/watchdog.py).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from grader.core.points_text import score_line
from grader.assignments.manifest import Assignment, Limits, load_assignment
from grader.core.errors import GraderError, SubmissionError
from grader.core.deadline import Deadline
from grader.delivery.gradescope.layout import CONFIG, DEFAULT_TIMEOUT, FOLDER
from grader.delivery.gradescope.watchdog import Watchdog, out_of_time_report
from grader.delivery.gradescope.metadata import SubmissionMetadata, read_metadata
from grader.outputs.feedback import render_feedback
from grader.outputs.notebook_html import graded_notebook
from grader.outputs.gradescope_results import code_only, gradescope_results
from grader.grading import single_notebook
from grader.grading.pipeline import GradeOptions, grade_notebook, unreadable_report
from grader.core.records import GradeReport


STARTED_VARIABLE = "GRADER_STARTED_AT"  # set by run_autograder: seconds since the epoch when Gradescope started it


def started_at() -> float:
    """When ``run_autograder`` started (its ``GRADER_STARTED_AT``), else now."""
    try:
        started = float(os.environ.get(STARTED_VARIABLE, ""))
    except ValueError:
        return time.time()
    return started if 0 < started <= time.time() else time.time()


def run_autograder(root: Path, source: Path, limits: Limits | None = None, timeout: float | None = None) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; 0 unless the grader itself failed.

    1. Read the zip's config (assignment, checks, time budget) and the submission's metadata.
    2. Watch the budget: a results.json is written before it ends, whatever happens.
    3. Grade the single notebook of the submission, or explain why there is none.
    4. Write results.json, with the metadata, and feedback.html beside it.
    """
    root, source = Path(root), Path(source)
    started = started_at()
    try:
        assignment, config = _configured_assignment(source)
    except GraderError as exc:
        _write_bare_failure(root / "results", str(exc))
        raise
    metadata = read_metadata(root / "submission_metadata.json")
    limits = limits or assignment.limits
    deadline = Deadline.after(timeout or _timeout(config), started)
    lock = threading.Lock()
    watchdog = Watchdog(deadline, lambda: write_results(
        out_of_time_report(assignment, "submission", str(root / "submission"), deadline,
                           config.get("code_points") if isinstance(config.get("code_points"), dict) else None), metadata,
        root / "results", assignment, started), lock).start()
    status = 0
    try:
        report = grade_submission(root / "submission", assignment, limits, deadline,
                                  config.get("allow_readable_hidden") is True)
    except Exception as exc:  # noqa: BLE001 - whatever broke, Gradescope must get a results.json
        traceback.print_exc()
        report = unreadable_report(root / "submission", "submission", assignment,
                                   f"the autograder failed on the course's side ({explain_failure(exc)}); "
                                   "tell the course staff, your submission is kept")
        status = 1
    with lock:
        write_results(report, metadata, root / "results", assignment, started, feedback=False)
        watchdog.finished()  # results.json is there: past the budget, the watchdog only ends the process
    write_feedback(report, root / "results", assignment)
    watchdog.stop()
    return status


def _timeout(config: dict) -> float:
    value = config.get("timeout", DEFAULT_TIMEOUT)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
        else DEFAULT_TIMEOUT


def explain_failure(exc: BaseException) -> str:
    """What broke, with the cause named where it is known (memory: grader/sandbox/memory.py)."""
    from grader.sandbox.memory import out_of_memory_cause

    cause = out_of_memory_cause()
    text = f"{type(exc).__name__}: {exc}"
    return f"{cause}; {text}" if cause else text


def _configured_assignment(source: Path) -> tuple[Assignment, dict]:
    try:
        config = json.loads((source / CONFIG).read_text(encoding="utf-8"))
        assignment = load_assignment(source / config.get("folder", FOLDER))
    except (OSError, ValueError, AttributeError) as exc:
        raise GraderError(f"{source / CONFIG} is missing or unreadable ({exc}): rebuild the zip with "
                          "grader gradescope build") from None
    if (assignment.name, assignment.version) != (config.get("assignment"), config.get("version")):
        raise GraderError(f"the zip was built for {config.get('assignment')} version {config.get('version')}, but its "
                          f"folder holds {assignment.name} version {assignment.version} (edited after the build?): "
                          "rebuild the zip with grader gradescope build")
    return assignment, config


def _write_bare_failure(results_dir: Path, why: str) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "results.json").write_text(json.dumps({
        "score": 0, "output": f"The autograder is misconfigured ({why}); tell the course staff.",
        "visibility": "visible", "tests": []}, indent=2) + "\n", encoding="utf-8")


def find_submitted_notebook(folder: Path, assignment: Assignment) -> Path:
    """The one ``.ipynb`` in the submission (checkpoints ignored); SubmissionError when there are none or several."""
    found = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts) if folder.is_dir() else []
    expected = f"{assignment.name}.ipynb"
    if not found:
        raise SubmissionError(f"no notebook (.ipynb file) in your submission: upload {expected}")
    if len(found) > 1:
        names = ", ".join(p.relative_to(folder).as_posix() for p in found)
        raise SubmissionError(f"your submission has {len(found)} notebooks ({names}); upload only {expected}")
    return found[0]


def refuse_readable_hidden(isolation: dict, allowed: bool = False) -> str | None:
    """The instructor-facing refusal when student code could read hidden files here, or None. With
    ``allowed`` (the zip's ``allow_readable_hidden``), grading goes on, and stdout says so."""
    readable = isolation.get("hidden_readable") or []
    if not readable:
        return None
    summary = isolation.get("summary", isolation.get("level", "unknown"))
    if allowed:
        print(f"WARNING: grading although student code can read hidden files ({summary}; e.g. {readable[0]}): "
              "the zip was built with --allow-readable-hidden")
        return None
    print(f"REFUSED: student code could read hidden files here ({summary}; e.g. {readable[0]})")
    return (f"the autograder refused to grade, because your code could have read the hidden checks on this "
            f"machine (isolation {summary}); course staff: run the autograder as root (Gradescope does), or "
            "see the README's \"When isolation is reduced\"")


def grade_submission(folder: Path, assignment: Assignment, limits: Limits,
                     deadline: Deadline | None = None, allow_readable_hidden: bool = False) -> GradeReport:
    try:
        notebook = find_submitted_notebook(folder, assignment)
    except SubmissionError as exc:
        return unreadable_report(folder, "submission", assignment, str(exc))
    options = GradeOptions(limits, deadline=deadline)
    with single_notebook.start(notebook, assignment, options) as warm:  # one notebook: overlapped start-ups
        refusal = refuse_readable_hidden(warm.ready(), allow_readable_hidden)
        if refusal:
            return unreadable_report(notebook, notebook.stem, assignment, refusal)
        try:
            return grade_notebook(notebook, notebook.stem, assignment, warm, options)
        except SubmissionError as exc:
            return unreadable_report(notebook, notebook.stem, assignment, str(exc))


def write_results(report: GradeReport, metadata: SubmissionMetadata | None, results_dir: Path,
                  assignment: Assignment | None = None, started: float | None = None, feedback: bool = True) -> dict:
    """results.json (``execution_time`` from ``started``, the start of run_autograder, when given) and, with
    ``feedback``, feedback.html (``write_feedback``), each written whole or not at all."""
    # Written answers are Gradescope questions graded by people: the autograder scores code only.
    report = code_only(report)
    results = gradescope_results(report)
    if started is not None:
        results["execution_time"] = max(results["execution_time"], round(time.time() - started))
    if metadata is not None:
        results["output"] = f"{metadata.describe()}\n{results['output']}"
        results["extra_data"]["submission"] = metadata.as_extra_data()
    results_dir.mkdir(parents=True, exist_ok=True)
    _write_whole(results_dir / "results.json", json.dumps(results, indent=2, allow_nan=False) + "\n")
    if feedback:
        write_feedback(report, results_dir, assignment)
    print(f"{report.submission_id}: {score_line(report.score, report.max_score)}", file=sys.stderr)
    return results


def write_feedback(report: GradeReport, results_dir: Path, assignment: Assignment | None = None) -> None:
    """feedback.html beside results.json."""
    report = code_only(report)
    _write_whole(results_dir / "feedback.html", render_feedback(report, assignment, graded_notebook(report)))


def _write_whole(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
