"""Running an audit: generate the notebooks, grade them through the batch path, judge what they earned.

Every notebook is graded by ``grader.classroom.batch.grade_batch``, as a class would be: worker processes with
their warm processes, the assignment's isolation and time limits (or ``--cell-timeout`` and
``--call-timeout``), a gradebook in a scratch folder. The notebooks are written to a temporary folder
under ids that say what they are: ``solution``, ``nothing-q1-return_none``, ``nothing-all-return_none``,
``mutant-q1-0007``, ``mistake-ID`` (each mistake of ``mistakes.toml``: grader/authoring/audit/mistakes.py);
then, from the expected values the public checks showed those, ``replayed-q3-best_lambda-1`` (answers a student
could copy from public feedback: grader/authoring/audit/replayed.py), graded in a second batch.

Code points: the points of a question's checks that are not written-answer checks (``outcome.written``:
checks that read the answers, which people score). Every variant keeps the solution's written answers.
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.assignments.manifest import Assignment, load_assignment
from grader.authoring.audit.equivalent import read_equivalents
from grader.checks.mistake_notebooks import mistake_notebooks
from grader.authoring.audit.mutants import Mutant, mutants_of
from grader.authoring.audit.nothing import ALL, KINDS, nothing_notebook
from grader.authoring.audit.regions import parse_solution
from grader.authoring.audit.replayed import replayed_bodies, replayed_notebook, shown_answers
from grader.classroom.batch import BatchSettings, grade_batch
from grader.classroom.gradebook import Gradebook
from grader.grading.pipeline import GradeOptions
from grader.core.records import GradeReport
from grader.authoring.audit.code_points import SOLUTION_ID, code_points  # noqa: F401 - re-exported
from grader.authoring.audit.report import build_report


@dataclass(frozen=True)
class Variant:
    """A generated notebook: ``id`` (its file's stem and its submission id), ``kind`` (solution, nothing,
    mutant), the question it targets (``all`` for every question), the do-nothing ``body`` or the mutant."""

    id: str
    kind: str
    notebook: nbformat.NotebookNode
    question: str | None = None
    body: str | None = None
    mutant: Mutant | None = None
    mistake: object = None  # a listed mistake (grader/checks/mistakes.py), for kind "mistake"
    function: str | None = None  # kind "replayed": the function answering values shown by public checks


def generate(assignment: Assignment) -> tuple[list[Variant], list[str], list[str]]:
    """The notebooks to grade, the code questions (with a solution region), and notes on what could not be
    generated."""
    solution = nbformat.read(assignment.solution, as_version=4)
    cells = parse_solution(solution, assignment)
    variants, notes = [Variant(SOLUTION_ID, "solution", solution)], []
    mutants = [m for cell in cells for m in mutants_of(cell)]
    code_questions = [q.id for q in assignment.questions if q.names]
    covered = {m.question for m in mutants}
    for qid in code_questions:
        for body in KINDS:
            notebook = nothing_notebook(solution, cells, {qid}, body)
            if notebook is None:
                notes.append(f"{qid}: no function of its solution regions to replace: no do-nothing submission")
                break
            variants.append(Variant(f"nothing-{qid}-{body}", "nothing", notebook, qid, body))
        if qid not in covered:
            notes.append(f"{qid}: no mutant (its names have no solution region in {assignment.notebook})")
    for body in KINDS:
        notebook = nothing_notebook(solution, cells, set(code_questions), body)
        if notebook is not None:
            variants.append(Variant(f"nothing-{ALL}-{body}", "nothing", notebook, ALL, body))
    for variant_id, mistake, notebook in mistake_notebooks(assignment, solution):
        variants.append(Variant(variant_id, "mistake", notebook, mistake.question, mistake=mistake))
    numbers: dict[str, int] = {}
    for mutant in mutants:
        numbers[mutant.question] = numbers.get(mutant.question, 0) + 1
        notebook = copy.deepcopy(solution)
        notebook.cells[next(c.index for c in cells if c.number == mutant.cell)].source = mutant.source
        variants.append(Variant(f"mutant-{mutant.question}-{numbers[mutant.question]:04d}", "mutant", notebook,
                                mutant.question, mutant=mutant))
    return variants, code_questions, notes


def replayed_variants(assignment: Assignment, reports: dict[str, GradeReport]) -> list[Variant]:
    """Per function whose calls the public checks showed expected values for: the solution with it answering
    those values (each always, one at random) and a baseline raising instead (grader/authoring/audit/replayed.py)."""
    solution = nbformat.read(assignment.solution, as_version=4)
    cells = parse_solution(solution, assignment)
    variants = []
    for (question, name), values in shown_answers(reports, assignment).items():
        for suffix, body in replayed_bodies(values):
            notebook = replayed_notebook(solution, cells, question, name, body)
            if notebook is not None:
                variants.append(Variant(f"replayed-{question}-{name}-{suffix}", "replayed", notebook, question,
                                        body=suffix, function=name))
    return variants


def grade_variants(assignment: Assignment, variants: list[Variant], options: GradeOptions, *,
                   workers: int | None = None, progress: bool | None = None, log=None) -> dict[str, GradeReport]:
    """Grade every variant through the batch path (notebooks and gradebook in a scratch folder); their
    reports by id (a notebook that could not be graded has none, or one with its error)."""
    quiet = log or (lambda *args, **kwargs: None)
    with tempfile.TemporaryDirectory(prefix="grader-audit-") as scratch:
        folder = Path(scratch) / "notebooks"
        folder.mkdir()
        for variant in variants:
            nbformat.write(variant.notebook, folder / f"{variant.id}.ipynb")
        grade_batch([folder], Path(scratch) / "graded", assignment, options,
                    BatchSettings(workers=workers, force=True, progress=progress), log=quiet)
        with Gradebook(Path(scratch) / "graded") as gradebook:
            return {report.submission_id: report for report in gradebook.reports()}


def run_audit(spec, *, workers: int | None = None, cell_timeout: float | None = None,
              call_timeout: float | None = None, isolation: str = "auto", progress: bool | None = None,
              log=None) -> dict:
    """Audit the assignment at ``spec`` (a folder, or a name in the course); returns the report (what
    ``audit.json`` holds)."""

    started = time.perf_counter()
    assignment = load_assignment(spec)
    equivalents = read_equivalents(assignment)  # a malformed list stops the audit before anything is graded
    variants, code_questions, notes = generate(assignment)
    limits = assignment.limits.with_overrides(cell_timeout, call_timeout)
    options = GradeOptions(limits=limits, isolation=isolation)
    reports = grade_variants(assignment, variants, options, workers=workers, progress=progress, log=log)
    replayed = replayed_variants(assignment, reports)  # from the expected values public feedback showed them
    if replayed:
        reports.update(grade_variants(assignment, replayed, options, workers=workers, progress=progress, log=log))
        variants += replayed
    settings = {"workers": workers or os.cpu_count() or 1, "cell_timeout": limits.cell, "call_timeout": limits.call,
                "isolation": isolation}
    return build_report(assignment, variants, code_questions, notes, reports, equivalents, settings=settings,
                        wall_time=time.perf_counter() - started)


