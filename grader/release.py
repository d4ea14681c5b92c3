"""The student bundle: what students get, and nothing they must not see.

``release(assignment, out_dir)`` writes the stub notebook (made from the
reference solution, so the two never drift), the public checks with the
hidden checks' weights (``checks/manifest.json``: how many points are judged
later, per question; no names, no source) and a short README. No hidden
check, no solution, no rubric: those stay in the instructor's checkout.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import nbformat

from grader.assignment import Assignment
from grader.check_plan import collect_hidden_shares, write_manifest
from grader.checkout import solution_notebook
from grader.checks.runner import PUBLIC
from grader.errors import GraderError
from grader.stub import make_stub

_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                                autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                trim_blocks=True, lstrip_blocks=True)


def release(assignment: Assignment, out_dir: Path) -> list[Path]:
    """Write the bundle into ``out_dir`` (new or empty); return the files written.

    1. The stub notebook, from the reference solution.
    2. The public checks, and the manifest of the hidden checks' weights.
    3. The student README.
    """
    _require_empty(out_dir)
    notebook = _write_stub(assignment, out_dir)
    checks = _write_public_checks(assignment, out_dir / "checks")
    readme = _write_readme(assignment, out_dir, notebook.name)
    return [notebook, *checks, readme]


def _require_empty(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise GraderError(f"{out_dir} is not empty: release into a new folder, so nothing else ends up in the bundle")
    out_dir.mkdir(parents=True, exist_ok=True)


def _write_stub(assignment: Assignment, out_dir: Path) -> Path:
    solution = nbformat.read(solution_notebook(assignment.name), as_version=4)
    nbformat.validate(solution)
    path = out_dir / f"{assignment.name}.ipynb"
    nbformat.write(make_stub(solution), path)
    return path


def _write_public_checks(assignment: Assignment, checks_dir: Path) -> list[Path]:
    public = checks_dir / PUBLIC
    public.mkdir(parents=True)
    written = []
    for source in sorted((assignment.checks_dir / PUBLIC).glob("*.py")):
        written.append(Path(shutil.copy2(source, public / source.name)))
    written.append(write_manifest(checks_dir, assignment, collect_hidden_shares(assignment.checks_dir)))
    return written


def _write_readme(assignment: Assignment, out_dir: Path, notebook: str) -> Path:
    path = out_dir / "README.md"
    path.write_text(_TEMPLATES.get_template("student_readme.md.j2").render(assignment=assignment, notebook=notebook),
                    encoding="utf-8")
    return path
