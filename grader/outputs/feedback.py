"""The feedback page: a self-contained HTML file (inline CSS, images as data URIs), jinja2 with autoescape."""
from __future__ import annotations

import base64
from pathlib import Path

import jinja2
import markupsafe

from grader.outputs.gradescope import check_output
from grader.outputs.sweep_plot import sweep_png
from grader.results import PASSED, REVIEW, GradeReport
from grader.text import printable

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["printable"] = printable
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


def _student_sweep(report: GradeReport):
    for question in report.questions:
        for check in question.checks:
            for key, value in check.outcome.extras:
                if key == "sweep" and isinstance(value, list):
                    return value
    return None


def render_feedback(report: GradeReport) -> str:
    marked = _marked_lines(report)
    cells = [{"number": cell.number,
              "lines": [{"n": i, "text": text, "marked": i in marked.get(cell.number, ())}
                        for i, text in enumerate(cell.source.split("\n"), start=1)]}
             for cell in report.code_cells]
    questions = []
    for question in report.questions:
        checks = [{"name": c.outcome.name, "status": c.outcome.status, "score": c.score, "max": c.max_score,
                   "message": c.outcome.message, "input": c.outcome.input, "expected": c.outcome.expected,
                   "got": c.outcome.got, "location": c.outcome.location, "hidden": c.outcome.visibility != "visible"}
                  for c in question.checks]
        questions.append({"id": question.question, "title": question.title, "score": question.score,
                          "max": question.max_score, "checks": checks,
                          "complete": not any(c["status"] == "failed" for c in checks),
                          "answer": report.answers.get(question.question),
                          "review": any(c["status"] == REVIEW for c in checks)})
    sweep = _student_sweep(report)
    plot = base64.b64encode(sweep_png(sweep)).decode() if sweep is not None else None
    return _ENV.get_template("feedback.html.j2").render(
        report=report, questions=questions, cells=cells, plot=plot, check_output=check_output)
