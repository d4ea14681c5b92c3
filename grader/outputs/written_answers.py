"""The written answers of a notebook as one page to print: what students upload to Gradescope's manually
graded part (``grader check --written-pdf``), as otter's export does for its courses.

One section per question the manifest marks ``written = true``, in its order,
with the answer found as the grader finds it (``grader.assignments.read_notebook``: the
first ``<!-- answer ID -->`` cell per question) and rendered like the feedback
page's notebook (markdown, MathML, the cell's embedded images; no script).
The student's name is the notebook's ``metadata.authors[0].name`` (JupyterLab
and nbformat's field), else the first ``Name: ...`` line of a markdown cell
that is not an answer; the page says when there is neither.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe
import nbformat

from grader.assignments import markers
from grader.assignments.manifest import Assignment
from grader.outputs.notebook_html import render_markdown
from grader.outputs.safe_html import MathHoles
from grader.assignments.read_notebook import read_submission

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_NAME_LINE = re.compile(r"^\s*[*_]*\s*(?:student\s+)?name\s*[*_]*\s*:\s*[*_]*\s*(.+?)\s*[*_]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class WrittenAnswer:
    """question: its id; title: the manifest's; state: ``answered``, ``placeholder`` (the stub's text
    is still there), ``empty`` or ``missing`` (no answer cell)."""

    question: str
    title: str
    state: str
    html: markupsafe.Markup | None = None


@dataclass(frozen=True)
class WrittenAnswersPage:
    """html: the page (self-contained, no script); name: the student's, or "" when the notebook has none."""

    html: str
    name: str
    answers: tuple[WrittenAnswer, ...]


def written_answers_page(notebook_path: Path, assignment: Assignment) -> WrittenAnswersPage:
    """The page of ``notebook_path``'s written answers to ``assignment``'s written questions."""
    submission = read_submission(Path(notebook_path), assignment)
    notebook = nbformat.read(notebook_path, as_version=4)
    holes = MathHoles()
    answers = []
    for question in (q for q in assignment.questions if q.written):
        found = submission.answers.get(question.id)
        if found is None:
            answers.append(WrittenAnswer(question.id, question.title, "missing"))
        elif found.text == markers.ANSWER_PLACEHOLDER:
            answers.append(WrittenAnswer(question.id, question.title, "placeholder"))
        elif not found.text:
            answers.append(WrittenAnswer(question.id, question.title, "empty"))
        else:
            cell = notebook.cells[found.cell - 1]
            html = render_markdown(found.text, holes, cell.get("attachments"))
            answers.append(WrittenAnswer(question.id, question.title, "answered", markupsafe.Markup(html)))  # noqa: S704
    name = student_name(notebook)
    page = _ENV.get_template("written_answers.html.j2").render(
        assignment=assignment, name=name, answers=answers, notebook=Path(notebook_path).name,
        sha256=submission.sha256[:12])
    # Formulas last: autoescape and the cleaning never see MathML, which is built from TeX by its allowlist.
    return WrittenAnswersPage(holes.fill(page), name, tuple(answers))


def student_name(notebook: nbformat.NotebookNode) -> str:
    """``metadata.authors[0].name``, else the first ``Name: ...`` line of a markdown cell that is no answer."""
    authors = notebook.metadata.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        name = str(authors[0].get("name", "")).strip()
        if name:
            return name
    for cell in notebook.cells:
        if cell.cell_type != "markdown" or markers.answer_question(cell.source):
            continue
        for line in cell.source.split("\n"):
            match = _NAME_LINE.match(line)
            if match and match.group(1).strip("*_ ") and "`" not in match.group(1):
                return match.group(1).strip("*_ ")
    return ""
