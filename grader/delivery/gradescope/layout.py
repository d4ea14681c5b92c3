"""Names in the autograder zip that its build writes and its run reads (kept apart from the build, which
imports the grading machinery and torch: a run reads these before it launches its warm process)."""
from __future__ import annotations

from grader.core.deadline import GRADESCOPE_TIMEOUT

CONFIG = "autograder.json"
DEFAULT_TIMEOUT = GRADESCOPE_TIMEOUT
FOLDER = "assignment"
