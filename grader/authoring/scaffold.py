"""``grader new NAME``: a new assignment folder that validates as generated.

Written into a course folder: ``solutions/NAME/`` (manifest, a one-question
solution notebook, a public and a hidden check, the student README) and
``exercises/NAME/NAME.ipynb`` (the stub made from that solution). The
instructor then edits the solution and checks, and ``grader validate``
says what is still wrong.
"""
from __future__ import annotations

import re
from pathlib import Path

import jinja2
import nbformat

from grader.assignments.manifest import COURSE_SOLUTIONS, load_assignment
from grader.assignments.manifest_keys import default_of
from grader.core.errors import AssignmentError
from grader.delivery.stub import write_stub

_TEMPLATES = Path(__file__).with_name("templates") / "new"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=False,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)

_SOLUTION_CODE = '''def softmax(x):
    """Softmax over the last dimension of x, stable for large inputs."""
    ### BEGIN SOLUTION
    shifted = x - x.max(dim=-1, keepdim=True).values
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
    ### END SOLUTION'''


def new_assignment(name: str, course: Path, title: str | None = None) -> Path:
    """Write the folder for ``name`` in ``course``; return it. Refuses to overwrite anything."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise AssignmentError(f"{name!r} cannot name an assignment: use letters, digits and underscores, not "
                              "starting with a digit (it is also the package its modules import as)")
    folder = Path(course) / COURSE_SOLUTIONS / name
    if folder.exists():
        raise AssignmentError(f"{folder} exists already: choose another name, or edit that folder")
    title = title or name.replace("_", " ").capitalize()
    for template in _ENV.list_templates():
        target = folder / template.removesuffix(".j2")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_ENV.get_template(template).render(name=name, title=title, default=default_of), encoding="utf-8")
    nbformat.write(_solution_notebook(name, title), folder / f"{name}.ipynb")
    assignment = load_assignment(folder)
    assignment.exercise.parent.mkdir(parents=True, exist_ok=True)
    write_stub(assignment.solution, assignment.exercise)
    return folder


def _solution_notebook(name: str, title: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["grader"] = {"assignment": name}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nRun every cell in order; the grader does the same."),
        nbformat.v4.new_code_cell("import torch"),
        nbformat.v4.new_markdown_cell("## q1: A stable softmax\n\nWrite `softmax(x)`: the softmax over the last "
                                      "dimension, finite even for inputs like 1000 and differentiable by autograd."),
        nbformat.v4.new_code_cell(_SOLUTION_CODE),
    ]
    for number, cell in enumerate(notebook.cells, start=1):
        cell["id"] = f"cell-{number}"
    return notebook
