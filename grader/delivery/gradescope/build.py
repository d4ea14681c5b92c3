"""The Gradescope autograder zip for an assignment.

Layout (Gradescope unpacks it into ``/autograder/source``):
``setup.sh`` and ``run_autograder`` at the root; ``grader-src/`` the grader's
source, installed by ``setup.sh`` (the engine: no assignment in it; from a
checkout or from the installed package, grader/delivery/gradescope/engine.py);
``assignment/`` the assignment folder as it grades (manifest, modules, public
and hidden checks; not the solution notebook); ``constraints.txt`` pinning
torch; ``autograder.json`` naming the assignment, its folder and version,
and the run's time budget (``timeout``, seconds, as set in Gradescope).

The autograder scores code only: written answers are Gradescope questions a
person grades from the PDF students upload. ``write_outline`` puts beside the
zip what to enter in Gradescope's outline (``NAME-outline.txt`` for ``NAME.zip``).
A build that fails leaves any zip already there as it was.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
import zipfile
from pathlib import Path

import jinja2

from grader.assignments.manifest import Assignment, graded_files
from grader.delivery.gradescope.engine import engine_entries
from grader.delivery.gradescope.layout import CONFIG, DEFAULT_TIMEOUT, FOLDER
from grader.grading.bundled_outputs import shipped_files
from grader.checks.mistakes import MISTAKES_FILE
from grader.delivery.written_outline import Outline, written_outline

_SCRIPTS = {"setup.sh": "setup.sh.j2", "run_autograder": "run_autograder.j2"}
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("files")), autoescape=False,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_ENV.filters["quote"] = shlex.quote
# Packages built for one torch release: setup.sh installs the release built for the torch it installed.
BUILT_FOR_TORCH = frozenset({"torchvision", "torchaudio"})


def built_for_torch(requirement: str) -> bool:
    """Whether a pip requirement (``torchvision``, ``torchvision==0.29.1``) names a package built for one torch."""
    return re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0].lower().replace("_", "-") in BUILT_FOR_TORCH


_ENV.tests["built_for_torch"] = built_for_torch
# A fixed timestamp: the same checkout gives the same zip, byte for byte.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _entries(assignment: Assignment, timeout: float, allow_readable_hidden: bool = False) -> dict[str, bytes | str]:
    entries: dict[str, bytes | str] = {name: _ENV.get_template(template).render(assignment=assignment)
                                       for name, template in _SCRIPTS.items()}
    entries.update(engine_entries())
    outline = written_outline(assignment)
    written = {part.question: part.points for part in outline.written}
    # What the autograder scores per question, for a run that runs out of time to account for each.
    code_points = {q.id: round(q.points - written.get(q.id, 0.0), 6) for q in assignment.questions
                   if round(q.points - written.get(q.id, 0.0), 6) > 0}
    entries[CONFIG] = json.dumps({"assignment": assignment.name, "version": assignment.version, "folder": FOLDER,
                                  "timeout": timeout, "code_points": code_points,
                                  **({"allow_readable_hidden": True} if allow_readable_hidden else {})},
                                 indent=2) + "\n"
    for path in graded_files(assignment.folder):
        entries[f"{FOLDER}/{path.relative_to(assignment.folder).as_posix()}"] = path.read_bytes()
    # Not the solution notebook: the outputs of it (and of each listed mistake) the checks compare with, and the
    # reference values the modules computed (grader/assignments/reference_values.py): a run computes none.
    for relative, data in shipped_files(assignment).items():
        entries[f"{FOLDER}/{relative}"] = data
    if (assignment.folder / MISTAKES_FILE).is_file():
        entries[f"{FOLDER}/{MISTAKES_FILE}"] = (assignment.folder / MISTAKES_FILE).read_bytes()
    return entries


def build_autograder_zip(assignment: Assignment, out: Path, timeout: float = DEFAULT_TIMEOUT,
                         allow_readable_hidden: bool = False) -> Path:
    """Write the zip to ``out``; scripts are executable, entries sorted and timestamped alike. ``timeout``:
    the run's budget in seconds (set the same in Gradescope's settings). ``allow_readable_hidden``: grade
    even where student code could read the hidden checks (the run says so in its stdout). The zip is
    written beside ``out`` and moved there when complete: a failed build leaves ``out`` as it was."""
    out = Path(out)
    entries = _entries(assignment, timeout, allow_readable_hidden)  # everything read before anything is written
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(entries.items()):
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (0o100755 if name in _SCRIPTS else 0o100644) << 16
                archive.writestr(info, data)
        os.chmod(partial, 0o644)
        os.replace(partial, out)
    except BaseException:
        os.unlink(partial)
        raise
    return out


def outline_path(zip_path: Path) -> Path:
    """Where a zip's outline goes: beside it, under its name (``wd.zip``: ``wd-outline.txt``)."""
    zip_path = Path(zip_path)
    return zip_path.with_name(f"{zip_path.stem}-outline.txt")


def write_outline(assignment: Assignment, zip_path: Path) -> tuple[Outline, Path]:
    """The Gradescope outline (autograder points, one manually graded question per written answer),
    written beside the zip under its name (``outline_path``)."""
    outline = written_outline(assignment)
    path = outline_path(zip_path)
    path.write_text(outline.text(assignment.title), encoding="utf-8")
    return outline, path
