"""An assignment's files sent with grading jobs to machines that do not share the driver's files.

A Dask worker gets the folder's files (manifest, checks, modules, and the
solution's outputs the checks compare with; never the solution notebook) with each job, and unpacks them once per version into a
private temporary folder, which it then grades from like any other folder.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.assignments.manifest import Assignment, graded_files, read_manifest
from grader.core.errors import AssignmentError


@dataclass(frozen=True)
class ShippedAssignment:
    """name, version: the assignment's; files: (path relative to the folder, bytes) of what grades."""

    name: str
    version: str
    files: tuple[tuple[str, bytes], ...]


def ship(assignment: Assignment) -> ShippedAssignment:
    """The folder's graded files, and (the solution notebook staying here) the outputs of the solution and
    of each listed mistake that checks comparing with the solution need, and the reference values grading
    them computed, as the Gradescope zip carries them."""
    from grader.grading.bundled_outputs import shipped_files
    from grader.checks.mistakes import MISTAKES_FILE

    folder = assignment.folder
    files = [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in graded_files(folder)]
    files += sorted(shipped_files(assignment).items())
    if (folder / MISTAKES_FILE).is_file():
        files.append((MISTAKES_FILE, (folder / MISTAKES_FILE).read_bytes()))
    return ShippedAssignment(assignment.name, assignment.version, tuple(files))


_UNPACKED: dict[tuple[str, str], Assignment] = {}


def unpack(shipped: ShippedAssignment) -> Assignment:
    """The shipped folder, written out once per version in this process."""
    key = (shipped.name, shipped.version)
    if key not in _UNPACKED:
        root = Path(tempfile.mkdtemp(prefix=f"grader-assignment-{shipped.version}-"))
        atexit.register(shutil.rmtree, root, True)
        folder = root / shipped.name
        for relative, data in shipped.files:
            target = (folder / relative).resolve()
            if not target.is_relative_to(folder.resolve()):
                raise AssignmentError(f"a shipped assignment file escapes its folder: {relative}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        assignment = read_manifest(folder)
        if assignment.version != shipped.version:
            raise AssignmentError(f"the shipped assignment {shipped.name} unpacked as version {assignment.version}, "
                                  f"not {shipped.version}: the files were changed in transit")
        _UNPACKED[key] = assignment
    return _UNPACKED[key]
