"""The dropout assignment (solutions/dropout/) graded by the engine: each wrong submission loses points in
exactly the question it breaks, with a message naming the symptom; each alternative correct submission
earns every point; no real attempt earns anything; the same notebook always gets the same grade.

Self-contained: its own assignment, warm process and gallery (tests/dropout_gallery.py).
"""
import copy
from pathlib import Path

import nbformat
import pytest

from dropout_gallery import NO_ATTEMPT, RIGHT, WRONG
from grader.assignments.manifest import Limits, load_assignment
from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = load_assignment(ROOT / "solutions" / "dropout")
FULL = {q.id: float(q.points) for q in ASSIGNMENT.questions}
OPTIONS = GradeOptions(limits=Limits(cell=30.0, call=5.0))


@pytest.fixture(scope="module")
def dropout_warm():
    with start_warm_process(ASSIGNMENT, OPTIONS) as warm:
        yield warm


@pytest.fixture(scope="module")
def dropout_solution():
    return nbformat.read(ASSIGNMENT.solution, as_version=4)


@pytest.fixture
def grade_dropout(dropout_warm, tmp_path):
    """grade_dropout(notebook) -> GradeReport."""
    counter = iter(range(10_000))

    def run(notebook):
        path = tmp_path / f"submission{next(counter)}.ipynb"
        nbformat.write(notebook, path)
        return grade_notebook(path, path.stem, ASSIGNMENT, dropout_warm, OPTIONS)

    return run


@pytest.fixture(scope="module")
def wrong_reports():
    """case name -> the report graded for it by test_wrong_submission_loses_points_only_in_its_question."""
    return {}


def appended(notebook, code: str):
    """The notebook with one more code cell at the end (a later definition replaces an earlier one)."""
    variant = copy.deepcopy(notebook)
    variant.cells.append(nbformat.v4.new_code_cell(code))
    return variant


def scores(report) -> dict[str, float]:
    """Each question's points, a written answer awaiting review counted as if reviewed at full marks."""
    return {q.question: round(q.score + q.awaiting, 6) for q in report.questions}


def messages(report, qid: str) -> list[str]:
    return [c.outcome.message for q in report.questions if q.question == qid
            for c in q.checks if c.outcome.status == "failed"]


def failures(report) -> dict[str, list[str]]:
    return {q.question: [f"{c.outcome.name}: {c.outcome.message}" for c in q.checks if c.outcome.status == "failed"]
            for q in report.questions if any(c.outcome.status == "failed" for c in q.checks)}


def test_gallery_is_large_enough():
    assert len(WRONG) >= 15 and len(RIGHT) >= 6
    names = [case.name for case in WRONG + RIGHT + NO_ATTEMPT]
    assert len(set(names)) == len(names)
    for qid in ("q1", "q2", "q3"):
        assert sum(case.question == qid for case in WRONG) >= 5, qid


def test_solution_earns_every_point(grade_dropout, dropout_solution):
    report = grade_dropout(dropout_solution)
    assert scores(report) == FULL, failures(report)
    assert not report.cell_failures


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.name)
def test_wrong_submission_loses_points_only_in_its_question(grade_dropout, dropout_solution, wrong_reports, case):
    report = wrong_reports[case.name] = grade_dropout(appended(dropout_solution, case.code))
    got = scores(report)
    assert got[case.question] < FULL[case.question], f"{case.name} kept all of {case.question}'s points"
    others = {q: s for q, s in got.items() if q != case.question}
    assert others == {q: s for q, s in FULL.items() if q != case.question}, failures(report)
    assert any(case.symptom.lower() in m.lower() for m in messages(report, case.question)), \
        messages(report, case.question)


@pytest.mark.parametrize("case", RIGHT, ids=lambda c: c.name)
def test_alternative_correct_submission_earns_every_point(grade_dropout, dropout_solution, case):
    report = grade_dropout(appended(dropout_solution, case.code))
    assert scores(report) == FULL, failures(report)


@pytest.mark.parametrize("case", NO_ATTEMPT, ids=lambda c: c.name)
def test_no_real_attempt_earns_nothing(grade_dropout, dropout_solution, case):
    report = grade_dropout(appended(dropout_solution, case.code))
    got = scores(report)
    assert got[case.question] == 0, failures(report)
    assert {q: s for q, s in got.items() if q != case.question} == \
        {q: s for q, s in FULL.items() if q != case.question}, failures(report)


@pytest.mark.parametrize("name", ["q1_mask_inverted", "q2_one_mask_for_the_batch", "q3_no_zero_grad"])
def test_same_notebook_same_grade(grade_dropout, dropout_solution, wrong_reports, name):
    case = next(c for c in WRONG if c.name == name)
    notebook = appended(dropout_solution, case.code)
    # The first grade is the wrong-submission test's, when it ran in this session; the second is graded anew.
    first = wrong_reports.get(name) or grade_dropout(notebook)
    second = grade_dropout(notebook)
    assert scores(first) == scores(second)
    assert failures(first) == failures(second)
