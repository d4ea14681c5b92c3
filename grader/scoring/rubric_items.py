"""Rubric items: reusable verdicts on a written question, each with its points, a comment the student sees,
and a key (1-9) that applies it in the review queue.

An item's points are either credit (positive: added to an answer that starts at 0) or a deduction
(negative: taken from the answer's whole share). ``items_score`` is the one rule, a pure function: an
answer starts at 0 points, or at its whole share when every item applied to it is a deduction; the
items' points and the reviewer's free-form adjustment are added, and the total is held between 0 and
the share. The gradebook keeps the items and which answers they were applied to, so editing an item
re-scores exactly those answers (``Gradebook.edit_item``).

Items are seeded from the assignment folder: ``rubric.toml`` beside ``assignment.toml``::

    [[items]]
    question = "q5"
    key = 1
    label = "Names two other methods"
    points = 0.5
    comment = "Right: early stopping and dropout both fight overfitting."
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

from grader.core.errors import ReviewError

RUBRIC_FILE = "rubric.toml"
KEYS = range(1, 10)


@dataclass(frozen=True)
class RubricItem:
    """One item of a question's rubric.

    id: the gradebook's number for it (0 before it is stored); question: ``q1``...; key: 1-9, the key that
    applies it; label: what the reviewer reads; points: credit (> 0) or a deduction (< 0); comment: what
    the student reads under the question when it is applied.
    """

    id: int
    question: str
    key: int
    label: str
    points: float
    comment: str = ""


@dataclass(frozen=True)
class AppliedItem:
    """An item as applied to one answer, for the student's feedback: label, points, comment."""

    label: str
    points: float
    comment: str


def items_score(points, adjustment: float, share: float) -> float:
    """The score of an answer given its items' ``points``, the reviewer's ``adjustment`` and its ``share``."""
    points = list(points)
    start = share if points and all(p < 0 for p in points) else 0.0
    return round(min(max(start + sum(points) + adjustment, 0.0), share), 6)


def check_item(item: RubricItem, questions) -> None:
    """Raise ReviewError when ``item`` cannot be an item of the written questions ``questions``
    (question id -> the written answer's share of points)."""
    if item.question not in questions:
        raise ReviewError(f"rubric item {item.label!r}: {item.question!r} is not a written question of the "
                          f"assignment (written questions: {', '.join(sorted(questions)) or 'none'})")
    if item.key not in KEYS:
        raise ReviewError(f"rubric item {item.label!r} of {item.question}: key {item.key!r} must be 1 to 9")
    if not item.label.strip():
        raise ReviewError(f"a rubric item of {item.question} (key {item.key}) needs a label")
    share = questions[item.question]
    if not math.isfinite(item.points) or item.points == 0 or abs(item.points) > share + 1e-9:
        raise ReviewError(f"rubric item {item.label!r} of {item.question}: points must be a non-zero number "
                          f"between -{share:g} and {share:g} (the written answer's share)")


def written_shares(assignment) -> dict[str, float]:
    """Question id -> the written answer's share of its points, for the assignment's written questions."""
    shares = {}
    for question in assignment.questions:
        if getattr(question, "written", False):
            share = getattr(question, "written_points", None)
            shares[question.id] = float(share if share is not None else question.points)
    return shares


def load_rubric(folder: Path, assignment=None) -> list[RubricItem]:
    """The items of ``folder/rubric.toml`` ([] when there is none); ReviewError names the first problem."""
    path = Path(folder) / RUBRIC_FILE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReviewError(f"{path} is not valid TOML ({exc}); fix it and start again") from None
    items, seen = [], set()
    for number, entry in enumerate(data.get("items", []), 1):
        if not isinstance(entry, dict) or not {"question", "key", "label", "points"} <= set(entry):
            raise ReviewError(f"{path}: item {number} needs question, key, label and points (comment optional)")
        try:
            item = RubricItem(0, str(entry["question"]), int(entry["key"]), str(entry["label"]),
                              float(entry["points"]), str(entry.get("comment", "")))
        except (TypeError, ValueError):
            raise ReviewError(f"{path}: item {number}: key must be a whole number and points a number") from None
        if assignment is not None:
            check_item(item, written_shares(assignment))
        if (item.question, item.key) in seen:
            raise ReviewError(f"{path}: two items of {item.question} share key {item.key}; give each its own")
        seen.add((item.question, item.key))
        items.append(item)
    return items
