"""How every command finds its assignment: ``--assignment PATH`` (a folder, or a name in the course
folder), else what the notebook or the gradebook names.

A course folder holds ``solutions/NAME/`` (each assignment's folder) and
``exercises/NAME/`` (the generated student notebooks). ``--course DIR``
names it; by default it is the working folder. A notebook names its
assignment in ``metadata.grader.assignment``, so ``grader grade`` in a
course folder needs no ``--assignment``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.assignments.manifest import Assignment, assignment_for_notebook, load_assignment
from grader.core.errors import AssignmentError


def add_assignment_arguments(parser: argparse.ArgumentParser, help_extra: str = "") -> None:
    parser.add_argument("--assignment", metavar="PATH",
                        help="the assignment's folder (holding assignment.toml), or its name in the course folder"
                             + help_extra)
    parser.add_argument("--course", type=Path, metavar="DIR", default=None,
                        help="the course folder holding solutions/NAME/ (default: the working folder)")


def assignment_from(args, notebooks=(), recorded: str | None = None) -> Assignment:
    """``--assignment``, else the one the first notebook names, else ``recorded`` (the gradebook's)."""
    if getattr(args, "assignment", None):
        return load_assignment(args.assignment, args.course)
    for notebook in notebooks:
        return assignment_for_notebook(notebook, args.course)
    if recorded:
        return load_assignment(recorded, args.course)
    raise AssignmentError("which assignment? pass --assignment PATH (the assignment's folder)")


def assignment_argument(parser: argparse.ArgumentParser) -> None:
    """A positional ASSIGNMENT (folder or name), with ``--course``."""
    parser.add_argument("assignment", help="the assignment's folder (holding assignment.toml), or its name "
                                           "in the course folder")
    parser.add_argument("--course", type=Path, metavar="DIR", default=None,
                        help="the course folder holding solutions/NAME/ (default: the working folder)")
