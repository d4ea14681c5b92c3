"""What ``run_autograder`` does on Gradescope: grade the one notebook submitted, always leave a results.json.

A submission with no notebook, several, or one that cannot be read still gets
a valid ``results.json``: score 0 and an ``output`` that says what to upload.
Even a failure of the grader itself ends in a results.json that says so, so
the student never sees Gradescope's bare "autograder failed".
"""
from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from grader.assignment import Assignment, Limits, load_assignment
from grader.errors import GraderError, SubmissionError
from grader.gradescope.build import CONFIG, FOLDER
from grader.gradescope.metadata import SubmissionMetadata, read_metadata
from grader.outputs.feedback import render_feedback
from grader.outputs.notebook_html import graded_notebook
from grader.gradescope.results import code_only, gradescope_results
from grader import single_notebook
from grader.pipeline import GradeOptions, grade_notebook, unreadable_report
from grader.results import GradeReport


def run_autograder(root: Path, source: Path, limits: Limits | None = None) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; 0 unless the grader itself failed.

    1. Read the zip's config (assignment, checks) and the submission's metadata.
    2. Grade the single notebook of the submission, or explain why there is none.
    3. Write results.json, with the metadata, and feedback.html beside it.
    """
    root, source = Path(root), Path(source)
    try:
        assignment = _configured_assignment(source)
    except GraderError as exc:
        _write_bare_failure(root / "results", str(exc))
        raise
    metadata = read_metadata(root / "submission_metadata.json")
    limits = limits or assignment.limits
    status = 0
    try:
        report = grade_submission(root / "submission", assignment, limits)
    except Exception as exc:  # noqa: BLE001 - whatever broke, Gradescope must get a results.json
        traceback.print_exc()
        report = unreadable_report(root / "submission", "submission", assignment,
                                   f"the autograder failed on the course's side ({type(exc).__name__}: {exc}); "
                                   "tell the course staff, your submission is kept")
        status = 1
    write_results(report, metadata, root / "results", assignment)
    return status


def _configured_assignment(source: Path) -> Assignment:
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
    return assignment


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


def grade_submission(folder: Path, assignment: Assignment, limits: Limits) -> GradeReport:
    try:
        notebook = find_submitted_notebook(folder, assignment)
    except SubmissionError as exc:
        return unreadable_report(folder, "submission", assignment, str(exc))
    options = GradeOptions(limits)
    with single_notebook.start(notebook, assignment, options) as warm:  # one notebook: overlapped start-ups
        try:
            return grade_notebook(notebook, notebook.stem, assignment, warm, options)
        except SubmissionError as exc:
            return unreadable_report(notebook, notebook.stem, assignment, str(exc))


def write_results(report: GradeReport, metadata: SubmissionMetadata | None, results_dir: Path,
                  assignment: Assignment | None = None) -> dict:
    # Written answers are Gradescope questions graded by people: the autograder scores code only.
    report = code_only(report)
    results = gradescope_results(report)
    if metadata is not None:
        results["output"] = f"{metadata.describe()}\n{results['output']}"
        results["extra_data"]["submission"] = metadata.as_extra_data()
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "results.json").write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    notebook = graded_notebook(report)
    (results_dir / "feedback.html").write_text(render_feedback(report, assignment, notebook), encoding="utf-8")
    print(f"{report.submission_id}: {report.score:g} / {report.max_score:g}", file=sys.stderr)
    return results
