"""How every command finds its assignment: ``--assignment PATH`` (a folder, or a name in the course
folder), else what the notebook or the gradebook names.

A course folder holds ``solutions/NAME/`` (each assignment's folder) and
``exercises/NAME/`` (the generated student notebooks). ``--course DIR``
names it; by default it is the working folder. A notebook names its
assignment in ``metadata.grader.assignment``, so ``grader grade`` in a
course folder needs no ``--assignment``.
"""
from __future__ import annotations

from grader.assignments.manifest import Assignment, assignment_for_notebook, load_assignment
from grader.core.errors import AssignmentError


def assignment_from(args, notebooks=(), recorded: str | None = None) -> Assignment:
    """``--assignment``, else the one the first notebook names, else ``recorded`` (the gradebook's)."""
    if getattr(args, "assignment", None):
        return load_assignment(args.assignment, args.course)
    for notebook in notebooks:
        return assignment_for_notebook(notebook, args.course)
    if recorded:
        return load_assignment(recorded, args.course)
    raise AssignmentError("which assignment? pass --assignment PATH (the assignment's folder)")
