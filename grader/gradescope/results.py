"""Gradescope's results.json: the total, and one test per check named ``QUESTION: check``.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (score,
execution_time, output, visibility, tests with score, max_score, name,
output, visibility, status). Timings go to ``extra_data``.
"""
from __future__ import annotations

import dataclasses

from grader.outputs.evidence import check_output
from grader.results import ERROR, PASSED, REVIEW, REVIEWED, GradeReport, QuestionScore


def code_only(report: GradeReport) -> GradeReport:
    """``report`` without its written answers, as Gradescope's autograder scores it (people grade the
    written answers there, from the students' PDF); a question of written answers only is left out."""
    questions = []
    for question in report.questions:
        checks = tuple(c for c in question.checks if not c.outcome.written)
        if checks:
            questions.append(QuestionScore(question.question, question.title, round(sum(c.score for c in checks), 6),
                                           round(sum(c.max_score for c in checks), 6), checks))
    return dataclasses.replace(report, questions=tuple(questions))


def summary(report: GradeReport) -> str:
    if report.error:
        return f"This submission could not be graded: {report.error}"
    lines = [f"{report.score:g} / {report.max_score:g} points."]
    if report.awaiting_review:
        lines.append(f"{report.awaiting_review:g} points awaiting review: written answers count once an instructor "
                     "has read them.")
    if report.isolation:
        lines.append(f"Your code ran isolated at level {report.isolation.get('level', 'unknown')!r}.")
    for failure in report.cell_failures:
        lines.append(f"Cell {failure.cell}: {failure.error}")
    lines += list(report.notes) + list(report.cell_notes)
    return "\n".join(lines)


def gradescope_results(report: GradeReport) -> dict:
    tests = []
    for number, question in enumerate(report.questions, start=1):
        for index, check in enumerate(question.checks, start=1):
            outcome = check.outcome
            status = "passed" if outcome.status == PASSED or (outcome.status in (REVIEW, REVIEWED)
                                                              and check.score >= check.max_score) else "failed"
            output = check_output(outcome)
            if outcome.status == REVIEW:
                output = (f"awaiting an instructor's review: counts 0 of {check.max_score:.2f} points until then"
                          f"\n{output}")
            elif outcome.status == REVIEWED:
                output = f"reviewed by an instructor: {check.score:.2f} of {check.max_score:.2f}\n{output}"
            test = {
                "name": f"{question.question}: {outcome.name}",
                "number": f"{number}.{index}",
                "score": round(check.score, 4),
                "max_score": round(check.max_score, 4),
                "status": status,
                "output": output,
                "visibility": outcome.visibility,
                "tags": [question.question],
            }
            if outcome.status == REVIEW:
                del test["status"]  # neither passed nor failed: a person has not read it yet
            tests.append(test)
    return {
        "score": report.score,
        "execution_time": round(sum(report.timings.values())),
        "output": summary(report),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": report.assignment, "assignment_version": report.assignment_version,
                       "check_errors": [c.outcome.error for q in report.questions for c in q.checks
                                        if c.outcome.status == ERROR],
                       "sha256": report.sha256, "max_score": report.max_score, "timings": report.timings,
                       "isolation": report.isolation},
    }
