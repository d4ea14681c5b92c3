"""Where the grader's own source checkout is: the Gradescope zip carries the grader's source from it."""
from __future__ import annotations

from pathlib import Path

from grader.core.errors import GraderError


def checkout_root() -> Path:
    """The repository folder holding ``pyproject.toml`` beside the ``grader`` package."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise GraderError("building a Gradescope zip needs a checkout of the grader's repository (the zip "
                          "installs the grader from its source); install it with: pip install -e <checkout>")
    return root
# relayout: depth fixed
