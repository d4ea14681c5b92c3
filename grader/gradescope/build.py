"""The Gradescope autograder zip for an assignment.

Layout (Gradescope unpacks it into ``/autograder/source``):
``setup.sh`` and ``run_autograder`` at the root; ``grader-src/`` the grader's
source, installed by ``setup.sh`` (the engine: no assignment in it);
``assignment/`` the assignment folder as it grades (manifest, modules, public
and hidden checks; not the solution notebook); ``constraints.txt`` pinning
torch; ``autograder.json`` naming the assignment, its folder and version.

The autograder scores code only: written answers are Gradescope questions a
person grades from the PDF students upload. ``write_outline`` puts beside the
zip what to enter in Gradescope's outline (``gradescope-outline.txt``).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import jinja2

from grader.assignment import Assignment, graded_files
from grader.checkout import checkout_root
from grader.checks.bundled_outputs import all_outputs
from grader.checks.mistakes import MISTAKES_FILE
from grader.checks.solution_outputs import BUNDLED
from grader.written_outline import Outline, written_outline

CONFIG = "autograder.json"
OUTLINE = "gradescope-outline.txt"
FOLDER = "assignment"
_SCRIPTS = {"setup.sh": "setup.sh.j2", "run_autograder": "run_autograder.j2"}
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("files")), autoescape=False,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
# A fixed timestamp: the same checkout gives the same zip, byte for byte.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _skipped(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def _entries(assignment: Assignment) -> dict[str, bytes | str]:
    root = checkout_root()
    entries: dict[str, bytes | str] = {name: _ENV.get_template(template).render(assignment=assignment)
                                       for name, template in _SCRIPTS.items()}
    entries["constraints.txt"] = (root / "constraints.txt").read_bytes()
    entries[CONFIG] = json.dumps({"assignment": assignment.name, "version": assignment.version, "folder": FOLDER},
                                 indent=2) + "\n"
    for name in ("pyproject.toml", "README.md"):
        entries[f"grader-src/{name}"] = (root / name).read_bytes()
    for path in sorted((root / "grader").rglob("*")):
        if path.is_file() and not _skipped(path.relative_to(root)):
            entries[f"grader-src/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    for path in graded_files(assignment.folder):
        entries[f"{FOLDER}/{path.relative_to(assignment.folder).as_posix()}"] = path.read_bytes()
    # Not the solution notebook: the outputs of it (and of each listed mistake) the checks compare with.
    for name, data in all_outputs(assignment).items():
        entries[f"{FOLDER}/{BUNDLED}/{name}"] = data
    if (assignment.folder / MISTAKES_FILE).is_file():
        entries[f"{FOLDER}/{MISTAKES_FILE}"] = (assignment.folder / MISTAKES_FILE).read_bytes()
    return entries


def build_autograder_zip(assignment: Assignment, out: Path) -> Path:
    """Write the zip to ``out``; scripts are executable, entries sorted and timestamped alike."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(_entries(assignment).items()):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if name in _SCRIPTS else 0o100644) << 16
            archive.writestr(info, data)
    return out


def write_outline(assignment: Assignment, zip_path: Path) -> tuple[Outline, Path]:
    """The Gradescope outline (autograder points, one manually graded question per written answer),
    written to ``gradescope-outline.txt`` in the zip's folder."""
    outline = written_outline(assignment)
    path = Path(zip_path).parent / OUTLINE
    path.write_text(outline.text(assignment.title), encoding="utf-8")
    return outline, path
