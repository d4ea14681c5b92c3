"""Gradescope's results.json: the total, and one test per check named ``QUESTION: check``.

A parametrized check is one test (its cases folded: ``grader/outputs/check_groups.py``), its output the
first failing input's feedback and how many inputs failed. Points are rounded to two decimals by largest
remainder (``grader/outputs/rounding.py``), and ``score`` is the sum of the tests' rounded scores, so
the tests add up to the score exactly (a solution's to every point, not 13.9996).

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (score,
execution_time, output, visibility, tests with score, max_score, name,
output, visibility, status). Timings go to ``extra_data``.
"""
from __future__ import annotations

import dataclasses

from grader.outputs.check_groups import group_checks
from grader.outputs.evidence import group_output
from grader.outputs.rounding import rounded_points, total
from grader.core.records import ERROR, PASSED, REVIEW, REVIEWED, GradeReport, QuestionScore


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


def summary(report: GradeReport, score: float | None = None, max_score: float | None = None) -> str:
    """The text above the tests; ``score`` and ``max_score`` as the tests show them (rounded)."""
    if report.error:
        return f"This submission could not be graded: {report.error}"
    score = report.score if score is None else score
    max_score = report.max_score if max_score is None else max_score
    lines = [f"{score:g} / {max_score:g} points."]
    if report.awaiting_review:
        lines.append(f"{report.awaiting_review:g} points awaiting review: written answers count once an instructor "
                     "has read them.")
    if report.isolation:
        level = report.isolation.get("level", "unknown")
        summary = report.isolation.get("summary")
        # Reports stored before levels named their layers have no summary: they read as they did.
        said = f" ({summary})" if summary and summary != level else ""
        lines.append(f"Your code ran isolated at level {level!r}{said}.")
    for failure in report.cell_failures:
        lines.append(f"Cell {failure.cell}: {failure.error}")
    lines += list(report.notes) + list(report.cell_notes)
    return "\n".join(lines)


def gradescope_results(report: GradeReport) -> dict:
    groups, scores, maxes = [], [], []
    for number, question in enumerate(report.questions, start=1):
        # Rounded question by question: each question's tests add up to its rounded points, as on the
        # feedback page, and so the total does too.
        mine = group_checks(question.checks)
        shown, maxima = rounded_points([g.score for g in mine], [g.max_score for g in mine])
        groups += [(number, group) for group in mine]
        scores += shown
        maxes += maxima
    tests, index = [], {}  # type: list[dict], dict[int, int]
    for (number, group), score, most in zip(groups, scores, maxes):
        index[number] = index.get(number, 0) + 1
        status = group.status
        output = group_output(group)
        if status == REVIEW:
            output = f"awaiting an instructor's review: counts 0 of {most:.2f} points until then\n{output}"
        elif status == REVIEWED:
            output = f"reviewed by an instructor: {score:.2f} of {most:.2f}\n{output}"
        test = {
            "name": f"{group.question}: {group.name}",
            "number": f"{number}.{index[number]}",
            "score": score,
            "max_score": most,
            "status": "passed" if status == PASSED or (status == REVIEWED and group.score >= group.max_score)
            else "failed",
            "output": output,
            "visibility": group.visibility,
            "tags": [group.question],
        }
        if status == REVIEW:
            del test["status"]  # neither passed nor failed: a person has not read it yet
        tests.append(test)
    score, max_score = (total(scores), total(maxes)) if tests else (round(report.score, 2), report.max_score)
    return {
        "score": score,
        "execution_time": round(sum(report.timings.values())),
        "output": summary(report, score, max_score),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": report.assignment, "assignment_version": report.assignment_version,
                       "check_errors": [c.outcome.error for q in report.questions for c in q.checks
                                        if c.outcome.status == ERROR],
                       "sha256": report.sha256, "max_score": max_score,
                       "timings": report.timings,
                       "isolation": report.isolation},
    }
