"""The self-check as a notebook's rich output: the terminal summary's table, in HTML (jinja2, autoescaped)."""
from __future__ import annotations

from pathlib import Path

import jinja2

from grader.outputs.evidence import check_output
from grader.outputs.terminal import headline

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_selfcheck_html(result) -> str:
    rows = [{"question": question.question, "name": check.outcome.name, "status": check.outcome.status,
             "score": check.score, "max": check.max_score,
             "details": check_output(check.outcome) if check.outcome.status not in ("passed", "pending") else ""}
            for question in result.report.questions for check in question.checks]
    return _ENV.get_template("selfcheck.html.j2").render(result=result, rows=rows, headline=headline(result))
