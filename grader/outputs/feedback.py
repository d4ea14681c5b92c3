"""The feedback page: a self-contained HTML file (inline CSS, images as data URIs), jinja2 with autoescape.

An assignment may add figures under a question: its manifest names a
``feedback`` module whose ``feedback_figures(question, extras)`` returns
``{"png": bytes, "alt": str, "caption": str}`` dicts, drawn from what the
question's checks recorded (``record(key, value)``). It runs in the grader's
process, on recorded values only.
"""
from __future__ import annotations

import base64
import sys
from pathlib import Path

import jinja2
import markupsafe

import importlib

from grader.outputs.check_groups import case_id, group_checks, split_unfinished
from grader.outputs.evidence import check_output
from grader.outputs.rounding import rounded_points
from grader.core.points_text import points
from grader.core.records import PASSED, PENDING, REVIEW, REVIEWED, GradeReport, QuestionScore
from grader.scoring.reviews import COMMENT
from grader.core.text import printable

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["printable"] = printable
_ENV.filters["points"] = points
# Every value a template prints goes through printable: messages and names come from student code.
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)


def _marked_lines(report: GradeReport) -> dict[int, set[int]]:
    marked: dict[int, set[int]] = {}
    for question in report.questions:
        for check in question.checks:
            loc = check.outcome.location
            if loc and check.outcome.status != PASSED:
                marked.setdefault(loc.cell, set()).update(range(loc.first, loc.last + 1))
    for failure in report.cell_failures:
        for frame in failure.frames[-1:]:
            marked.setdefault(frame.cell, set()).add(frame.line)
    return marked


def _figures(question: QuestionScore, hook) -> list[dict]:
    """The assignment's figures for one question, from what its checks recorded."""
    if hook is None:
        return []
    extras = {key: value for check in question.checks for key, value in check.outcome.extras}
    figures = []
    for figure in hook.feedback_figures(question.question, extras) or ():
        figures.append({"png": base64.b64encode(figure["png"]).decode(), "alt": str(figure.get("alt", "")),
                        "caption": str(figure.get("caption", ""))})
    return figures


def _evidence(outcome) -> dict:
    return {"message": outcome.message, "input": outcome.input, "expected": outcome.expected, "got": outcome.got,
            "location": outcome.location, "case": case_id(outcome)}


def _question_rows(question: QuestionScore) -> tuple[list[dict], list[dict]]:
    """One row per check (its inputs folded, the first failing one shown, the other failing ones behind a
    toggle) and one line per function that still raises NotImplementedError. Points are rounded so the rows
    add up to the question's total as shown (grader/outputs/rounding.py)."""
    groups = group_checks(question.checks)
    scores, maxes = rounded_points([g.score for g in groups], [g.max_score for g in groups])
    points = {id(g): (score, most) for g, score, most in zip(groups, scores, maxes)}
    unfinished, rest = split_unfinished(groups)
    rows = []
    for group in rest:
        shown = group.shown
        others = [_evidence(c.outcome) for c in group.failed if c.outcome is not shown]
        rows.append({"name": group.name, "status": group.status, "score": points[id(group)][0],
                     "max": points[id(group)][1], **_evidence(shown), "cases": group.cases_line,
                     "others": others, "hidden": group.visibility != "visible"})
    lines = [{"function": u.function, "location": u.location, "checks": [g.name for g in u.groups],
              "max": round(sum(points[id(g)][1] for g in u.groups), 2)} for u in unfinished]
    return rows, lines


def feedback_hook(assignment):
    """The assignment's feedback module, imported from its folder, or None."""
    if assignment is None or not assignment.feedback:
        return None
    assignment.import_package()
    return importlib.import_module(assignment.module(assignment.feedback))


def warm_up(assignment=None) -> None:
    """Pay a first page's one-time costs now (e.g. in a thread while a notebook is graded): the template
    compiled, the assignment's feedback module imported, its own ``warm_up()`` called when it has one (what
    its figures draw that depends on no student, e.g. a reference curve) and, when it draws with matplotlib,
    a first figure drawn (fonts and the Agg renderer loaded)."""
    _ENV.get_template("feedback.html.j2")
    hook = feedback_hook(assignment)
    if callable(getattr(hook, "warm_up", None)):
        hook.warm_up()
    if "matplotlib" in sys.modules:
        import io

        from matplotlib.figure import Figure

        figure = Figure(figsize=(2, 1.5), dpi=50)
        axes = figure.add_subplot()
        axes.plot([1.0, 2.0], [1.0, 10.0], label="a")
        axes.set_yscale("log")
        axes.legend()
        figure.savefig(io.BytesIO(), format="png")


def render_feedback(report: GradeReport, assignment=None, notebook=None) -> str:
    """The page for ``report``; ``assignment`` (when given) adds its feedback figures, ``notebook`` (a
    ``notebook_html.NotebookView``) the section "Your notebook"."""
    hook = feedback_hook(assignment)
    marked = _marked_lines(report)
    cells = [{"number": cell.number,
              "lines": [{"n": i, "text": text, "marked": i in marked.get(cell.number, ())}
                        for i, text in enumerate(cell.source.split("\n"), start=1)]}
             for cell in report.code_cells]
    questions = []
    for question in report.questions:
        checks, unfinished = _question_rows(question)
        questions.append({"id": question.question, "title": question.title, "score": question.score,
                          "max": question.max_score, "awaiting": question.awaiting, "checks": checks,
                          "unfinished": unfinished,
                          "complete": not unfinished and not any(c["status"] == "failed" for c in checks),
                          "answer": report.answers.get(question.question),
                          "review": any(c["status"] == REVIEW for c in checks),
                          # An instructor's comment is opened, whatever the checks did: it is written to be read.
                          "commented": any(c.outcome.status == REVIEWED and c.outcome.message.startswith(COMMENT)
                                           for c in question.checks),
                          "rubric_items": _rubric_items(question),
                          "figures": _figures(question, hook)})
    # A self-check's share still to be judged, exact (its rows show rounded parts): the terminal says the same.
    pending = round(sum(c.max_score for q in report.questions for c in q.checks if c.outcome.status == PENDING), 6)
    return _ENV.get_template("feedback.html.j2").render(
        report=report, title=assignment.title if assignment is not None else report.assignment.replace("_", " ").title(),
        questions=questions, cells=cells, check_output=check_output, notebook=notebook,
        pending=pending)


def _rubric_items(question) -> list[dict]:
    """The rubric items a reviewer applied to the question's written answer (label, points, comment)."""
    return [{"label": label, "points": points, "comment": comment}
            for check in question.checks for key, value in check.outcome.extras if key == "rubric_items"
            for label, points, comment in value]
