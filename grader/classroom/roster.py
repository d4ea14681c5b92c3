"""A roster CSV: which file is which student's, and what an LMS export should say about them.

Columns: ``file`` (a file name, or a path relative to the roster or to a
graded folder) and ``student_id`` are required; any others (name, email,
section) are carried into ``grader export --csv``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.core.errors import GraderError
from grader.classroom.student_ids import safe_id


class RosterError(GraderError):
    """The roster cannot be used as it is."""


@dataclass(frozen=True)
class Roster:
    """by_file: file key -> student id; extra: student id -> the roster's other columns."""

    by_file: dict
    extra: dict
    columns: tuple[str, ...]

    def student_for(self, path: Path, roots=()) -> str | None:
        keys = [path.as_posix(), path.name]
        for root in roots:
            try:
                keys.append(path.resolve().relative_to(Path(root).resolve()).as_posix())
            except ValueError:
                pass
        for key in keys:
            if key in self.by_file:
                return self.by_file[key]
        return None


def read_roster(path: Path) -> Roster:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = tuple(rows[0].keys()) if rows else ()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"cannot read the roster {path} ({exc}); it must be a UTF-8 CSV file") from None
    if not {"file", "student_id"} <= set(columns):
        raise RosterError(f"the roster {path} needs the columns file and student_id (it has: {', '.join(columns)})")
    by_file, extra = {}, {}
    for number, row in enumerate(rows, start=2):
        key, student = (row.get("file") or "").strip(), (row.get("student_id") or "").strip()
        if not key or not student:
            raise RosterError(f"{path}, line {number}: file and student_id must both be given")
        if key in by_file:
            raise RosterError(f"{path}, line {number}: {key} is listed twice")
        student = safe_id(student)  # it names the student's folder in --out
        by_file[key] = student
        extra[student] = {c: row[c] for c in columns if c not in ("file", "student_id")}
    return Roster(by_file, extra, tuple(c for c in columns if c not in ("file", "student_id")))


def roster_ids(files: list[Path], roster: Roster, roots, fallback: list[str]) -> list[str]:
    """The roster's id for each file, or the id from the file's name where the roster has none."""
    ids = [roster.student_for(f, roots) or default for f, default in zip(files, fallback)]
    seen: dict[str, Path] = {}
    for f, sid in zip(files, ids):
        if sid in seen:
            raise RosterError(f"{seen[sid]} and {f} would both be graded as student {sid}; "
                              "each student may hand in one file per batch")
        seen[sid] = f
    return ids
