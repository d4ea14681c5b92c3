"""Gradescope's ``submission_metadata.json``: who submitted, when, and which attempt this is.

Documented at gradescope-autograders.readthedocs.io (submission metadata):
``created_at``, ``users`` (name, email, id), ``previous_submissions`` (a list).
The file is optional here: grading never depends on it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SubmissionMetadata:
    """students: ``(name, email)`` per user of a (group) submission; attempt: 1 + previous
    submissions; created_at: the submission time as Gradescope wrote it; submission_id: Gradescope's id."""

    students: tuple[tuple[str, str], ...] = ()
    attempt: int | None = None
    created_at: str | None = None
    submission_id: int | str | None = None

    def describe(self) -> str:
        who = ", ".join(f"{name} <{email}>" if email else name for name, email in self.students) or "unknown student"
        parts = [f"Graded for {who}"]
        if self.attempt:
            parts.append(f"attempt {self.attempt}")
        if self.created_at:
            parts.append(f"submitted {self.created_at}")
        return ", ".join(parts) + "."

    def as_extra_data(self) -> dict:
        return {"students": [{"name": n, "email": e} for n, e in self.students], "attempt": self.attempt,
                "created_at": self.created_at, "submission_id": self.submission_id}


def read_metadata(path: Path) -> SubmissionMetadata | None:
    """The metadata when the file is there and readable; None otherwise (a missing field is left empty)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    users = data["users"] if isinstance(data.get("users"), list) else []
    students = tuple((str(u.get("name") or ""), str(u.get("email") or "")) for u in users if isinstance(u, dict))
    previous = data.get("previous_submissions")
    return SubmissionMetadata(
        students=students, attempt=len(previous) + 1 if isinstance(previous, list) else None,
        created_at=str(data["created_at"]) if data.get("created_at") else None,
        submission_id=data.get("id") if isinstance(data.get("id"), (int, str)) else None)
