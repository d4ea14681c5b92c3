"""A student's self-check: the public checks on a saved notebook, honest about what is still to come.

Public checks are scored with their real share of each question; the share of
the hidden checks (and of the written answers' review) shows as *pending*,
one row per question, so a summary never reads as a final grade.
``grader check`` and ``grader.check()`` in a notebook both call ``self_check``.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from grader.assignments.manifest import MANIFEST, PUBLIC, Assignment, Limits, assignment_for_notebook, load_assignment
from grader.checks.hidden_shares import HiddenShare, collect_hidden_shares, read_manifest
from grader.core.errors import GraderError
from grader.outputs.feedback import render_feedback
from grader.grading import single_notebook
from grader.grading.pipeline import GradeOptions, grade_notebook
from grader.core.records import FAILED, PASSED, PENDING, CheckOutcome, GradeReport
from grader.scoring.points import score_outcomes


@dataclass(frozen=True)
class SelfCheck:
    """The public checks' verdict on one notebook.

    notebook: the file checked. report: its grade report, with the public
    checks and, per question with hidden checks, one ``pending`` outcome
    holding their share. feedback: where ``feedback.html`` was written, if it was.
    written_pdf: where the PDF of the written answers was written, if it was asked for.
    """

    notebook: Path
    report: GradeReport
    feedback: Path | None = None
    written_pdf: Path | None = None

    @property
    def checks(self):
        return [check for question in self.report.questions for check in question.checks]

    @property
    def public(self):
        return [c for c in self.checks if c.outcome.status != PENDING]

    @property
    def pending(self):
        return [c for c in self.checks if c.outcome.status == PENDING]

    @property
    def passed(self) -> int:
        return sum(c.outcome.status == PASSED for c in self.public)

    @property
    def failed(self) -> int:
        return sum(c.outcome.status == FAILED for c in self.public)

    @property
    def public_score(self) -> float:
        return round(sum(c.score for c in self.public), 6)

    @property
    def public_max(self) -> float:
        return round(sum(c.max_score for c in self.public), 6)

    @property
    def pending_points(self) -> float:
        return round(sum(c.max_score for c in self.pending), 6)

    @property
    def pending_checks(self) -> int:
        return sum(dict(c.outcome.extras).get("hidden_checks", 0) for c in self.pending)

    def _repr_html_(self) -> str:
        from grader.outputs.selfcheck_html import render_selfcheck_html

        return render_selfcheck_html(self)

    def __repr__(self) -> str:
        from grader.outputs.terminal import plain_summary

        return plain_summary(self)


def self_check(notebook: Path, *, assignment: str | Path | None = None, checks: Path | None = None,
               feedback: Path | None = None, limits: Limits | None = None,
               cell_timeout: float | None = None, call_timeout: float | None = None,
               written_pdf: Path | None = None, deadline=None) -> SelfCheck:
    """Run the public checks on ``notebook``.

    1. Find the checks and what the hidden ones weigh.
    2. When ``written_pdf`` is given, write the PDF of the written answers there (before grading: it
       needs none, and a missing browser is said before the checks run).
    3. Grade the notebook with the public checks only.
    4. Rescore with the hidden checks' shares pending.
    5. Write feedback.html (beside the notebook unless ``feedback`` says where).

    Time limits: ``limits``, else the assignment's with ``cell_timeout`` and ``call_timeout`` put in where given.
    ``deadline`` (grader/core/deadline.py): the run's time budget; what is left when it runs low is not run.
    """
    notebook = Path(notebook)
    graded_with, shares = locate_checks(notebook, assignment, checks)
    options = GradeOptions(limits or graded_with.limits.with_overrides(cell_timeout, call_timeout), (PUBLIC,), deadline=deadline)
    # Started before the PDF is printed: the warm process's start-up overlaps it (grader/grading/single_notebook.py).
    with single_notebook.start(notebook, graded_with, options, shows_notebook=False) as warm:
        if written_pdf is not None:
            written_pdf = write_written_pdf(notebook, graded_with, Path(written_pdf))
        report = grade_notebook(notebook, notebook.stem, graded_with, warm, options)
    report = with_pending(report, graded_with, shares)
    target = Path(feedback) if feedback else notebook.parent / "feedback.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_feedback(report, graded_with), encoding="utf-8")
    return SelfCheck(notebook, report, target, written_pdf)


def written_pdf_path(notebook: Path) -> Path:
    """Where the written answers' PDF goes unless told: beside the notebook, ``NAME-written.pdf``."""
    return Path(notebook).with_name(f"{Path(notebook).stem}-written.pdf")


def write_written_pdf(notebook: Path, assignment: Assignment, target: Path) -> Path:
    """The PDF of ``notebook``'s written answers (for Gradescope's manually graded part), made offline."""
    from grader.outputs.pdf import html_to_pdf
    from grader.outputs.written_answers import written_answers_page

    page = written_answers_page(notebook, assignment)
    printed = html_to_pdf(page.html, target)
    if printed.refused:  # the page links nothing; a request means a bug in the cleaning, not a student's doing
        raise GraderError(f"the written answers' page asked for {printed.refused[0]}, which was refused; report "
                          "this to the course staff with your notebook")
    return printed.path


def locate_checks(notebook: Path, assignment: str | Path | None,
                  checks: Path | None) -> tuple[Assignment, tuple[HiddenShare, ...]]:
    """The assignment to check against, and the hidden checks' shares.

    The assignment is ``assignment`` (a folder, or a name in the course folder), else the one whose
    ``checks`` folder is given, else the release bundle the notebook sits in (its folder holds
    ``assignment.toml``), else the one the notebook names in its metadata, in the working folder's
    course. The shares come from a bundle's ``checks/manifest.json``, or by collecting the hidden checks.
    """
    if assignment is not None:
        found = load_assignment(assignment)
    elif checks is not None:
        checks = Path(checks)
        if not (checks / PUBLIC).is_dir() or not (checks.parent / MANIFEST).is_file():
            raise GraderError(f"{checks} is not the checks/ folder of a release (no public/ in it, or no "
                              f"{MANIFEST} beside it): pass the checks/ folder the course released")
        found = load_assignment(checks.parent)
    elif (notebook.parent / MANIFEST).is_file():
        found = load_assignment(notebook.parent)
    else:
        found = assignment_for_notebook(notebook)
    if found.is_bundle:
        name, _, shares = read_manifest(found.checks_dir)
        if name != found.name:
            raise GraderError(f"{found.checks_dir} holds the checks of {name}, not {found.name}: get the "
                              "course's release again")
        return found, shares
    return found, collect_hidden_shares(found)


def with_pending(report: GradeReport, assignment: Assignment, shares: tuple[HiddenShare, ...]) -> GradeReport:
    """The report rescored with one pending outcome per question carrying its hidden checks' weight."""
    if report.error:
        return report
    outcomes = [check.outcome for question in report.questions for check in question.checks]
    for share in shares:
        code_checks = share.checks - share.written_checks
        # The written answer apart from the code checks: a question may fix its written points.
        parts = [(f"{code_checks} hidden check{'s' if code_checks != 1 else ''}", share.weight - share.written,
                  code_checks, False),
                 ("the review of your written answer", share.written, share.written_checks, True)]
        for judged, weight, checks, written in parts:
            if checks:
                outcomes.append(CheckOutcome(
                    question=share.question, name=f"judged after you submit: {judged}", visibility="after_published",
                    weight=weight, status=PENDING, fraction=0.0, written=written,
                    message="these points are not judged by the public checks; they are decided when you submit",
                    extras=(("hidden_checks", checks),)))
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    outcomes.sort(key=lambda o: order.get(o.question, len(order)))
    return dataclasses.replace(report, questions=score_outcomes(outcomes, assignment))


def default_notebook() -> Path:
    """The notebook a bare ``check()`` in Jupyter means: the running one if Jupyter says, else the
    release's notebook in the working folder, else the only notebook there."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb") and Path(session).is_file():
        return Path(session)
    if Path(MANIFEST).is_file():
        named = Path(load_assignment(Path.cwd()).notebook)
        if named.is_file():
            return named
    found = sorted(Path.cwd().glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    raise GraderError("cannot tell which notebook to check: pass its file name, e.g. check(\"homework.ipynb\")")


def check(notebook: str | Path | None = None, *, assignment: str | None = None, checks: str | Path | None = None,
          feedback: str | Path | None = None, written_pdf: bool | str | Path = False) -> SelfCheck:
    """In a notebook: ``from grader import check; check()``: the public checks on the saved notebook,
    shown as a table (save first: the checks read the file, not the live kernel). ``written_pdf=True``
    also writes the PDF of the written answers beside it (or to the path given) for Gradescope."""
    path = Path(notebook) if notebook else default_notebook()
    pdf = None if written_pdf is False else written_pdf_path(path) if written_pdf is True else Path(written_pdf)
    result = self_check(path, assignment=assignment, checks=Path(checks) if checks else None,
                        feedback=Path(feedback) if feedback else None, written_pdf=pdf)
    if result.written_pdf:
        print(f"Your written answers are in {result.written_pdf}: upload it to the written part of the assignment.")
    return result
