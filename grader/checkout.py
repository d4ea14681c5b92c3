"""Where the instructor's checkout of the grader is: release and Gradescope builds read from it.

An installed wheel holds neither the solutions nor the hidden checks (see
``pyproject.toml``), so the commands that package them for students or for
Gradescope run from a checkout of the grader's repository.
"""
from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError


def checkout_root() -> Path:
    """The repository folder holding ``pyproject.toml`` beside the ``grader`` package."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise GraderError("this command needs a checkout of the grader's repository (with solutions/ and the "
                          "hidden checks); install it with: pip install -e <checkout>")
    return root


def solution_notebook(assignment_name: str) -> Path:
    path = checkout_root() / "solutions" / assignment_name / f"{assignment_name}.ipynb"
    if not path.is_file():
        raise GraderError(f"no reference solution at {path}: an assignment's solution lives in "
                          f"solutions/{assignment_name}/{assignment_name}.ipynb")
    return path
