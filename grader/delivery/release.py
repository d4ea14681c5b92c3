"""The student bundle: what students get, and nothing they must not see.

``release(assignment, out_dir)`` writes a folder of the same form as the
assignment's, less everything secret: the stub notebook (made from the
solution, so the two never drift), the manifest, the public checks, the
modules the manifest lists as public, the hidden checks' weights
(``checks/manifest.json``: the version released and how many points are
judged later, per question; no names, no source) and a short README.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import nbformat

from grader.assignments.manifest import CHECKS, MANIFEST, PUBLIC, Assignment
from grader.checks.hidden_shares import collect_hidden_shares, write_manifest
from grader.core.errors import GraderError
from grader.grading.bundled_outputs import write_bundled_outputs
from grader.delivery.stub import make_stub

_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                                autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                trim_blocks=True, lstrip_blocks=True)


def release(assignment: Assignment, out_dir: Path) -> list[Path]:
    """Write the bundle into ``out_dir`` (new or empty); return the files written.

    1. The stub notebook, from the solution.
    2. The manifest and the public modules.
    3. The public checks, the manifest of the hidden checks' weights, and the solution's outputs the
       public checks compare with (grader/grading/bundled_outputs.py).
    4. The student README.
    """
    out_dir = Path(out_dir)
    _require_empty(out_dir)
    notebook = _write_stub(assignment, out_dir)
    modules = _copy(assignment.folder, out_dir, [MANIFEST, *assignment.public_modules])
    checks = _write_public_checks(assignment, out_dir / CHECKS)
    readme = _write_readme(assignment, out_dir, notebook.name)
    return [notebook, *modules, *checks, readme]


def _require_empty(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise GraderError(f"{out_dir} is not empty: release into a new folder, so nothing else ends up in the bundle")
    out_dir.mkdir(parents=True, exist_ok=True)


def _write_stub(assignment: Assignment, out_dir: Path) -> Path:
    if not assignment.solution.is_file():
        raise GraderError(f"no solution notebook at {assignment.solution}: the manifest's notebook = "
                          f"{assignment.notebook!r} names it")
    solution = nbformat.read(assignment.solution, as_version=4)
    nbformat.validate(solution)
    path = out_dir / assignment.notebook
    nbformat.write(make_stub(solution), path)
    return path


def _copy(source: Path, target: Path, names) -> list[Path]:
    return [Path(shutil.copy2(source / name, target / name)) for name in names]


def _write_public_checks(assignment: Assignment, checks_dir: Path) -> list[Path]:
    public = checks_dir / PUBLIC
    public.mkdir(parents=True)
    written = _copy(assignment.checks_dir / PUBLIC, public,
                    sorted(p.name for p in (assignment.checks_dir / PUBLIC).glob("*.py")))
    written.append(write_manifest(checks_dir, assignment, collect_hidden_shares(assignment)))
    return written + write_bundled_outputs(assignment, checks_dir)


def _write_readme(assignment: Assignment, out_dir: Path, notebook: str) -> Path:
    """The folder's own README.md for students if it has one, else the grader's."""
    path = out_dir / "README.md"
    if (assignment.folder / "README.md").is_file():
        return Path(shutil.copy2(assignment.folder / "README.md", path))
    path.write_text(_TEMPLATES.get_template("student_readme.md.j2").render(assignment=assignment, notebook=notebook),
                    encoding="utf-8")
    return path
