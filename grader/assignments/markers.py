"""The marks an assignment's notebooks carry, shared by stub generation and submission reading.

- Code: a region between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  lines is the reference answer. The stub replaces it with the region's
  ``#> `` lines (un-commented), or with ``raise NotImplementedError`` at the
  marker's indentation when it has none.
- Written answers: a markdown cell whose first line is ``<!-- answer ID -->``, ID a question's id.
"""
from __future__ import annotations

import re

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB_LINE = re.compile(r"^(\s*)#> ?(.*)$")
ANSWER_MARK = re.compile(r"^\s*<!--\s*answer\s+([A-Za-z0-9][A-Za-z0-9_.-]*)\s*-->\s*$")
ANSWER_PLACEHOLDER = "_Write your answer here._"


def answer_question(markdown: str) -> str | None:
    """The question id a markdown cell answers, from its first line, or None."""
    first = markdown.lstrip("\n").split("\n", 1)[0]
    match = ANSWER_MARK.match(first)
    return match.group(1) if match else None


def answer_text(markdown: str) -> str:
    """The student's text of an answer cell: everything after the marker line."""
    parts = markdown.lstrip("\n").split("\n", 1)
    return parts[1].strip() if len(parts) > 1 else ""
