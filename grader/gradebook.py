"""The gradebook: one SQLite file in the output folder, written one finished grade per transaction.

Tables: ``submissions`` (the current grade of each student: content hash,
assignment version, the settings it was graded with, when, the score, and the
whole GradeReport as JSON so outputs can be rebuilt without running code),
``check_results`` (each check's verdict, for queries and the class summary),
``history`` (every grade ever recorded, one row each: which file, which
assignment version, when, the score; a regrade after a changed check adds a
row and keeps the old one) and ``reviews`` (instructors' scores and comments
for written answers; kept apart so a regrade never touches them). ``meta``
names the assignment and the folder it was graded from.

Each grade is committed in one transaction, in WAL mode with full sync: a
grader killed at any moment leaves every committed grade intact and no half
of one.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import GradebookError, ReviewConflict
from grader.report_json import dump_report, load_report
from grader.results import GradeReport
from grader.review import Review

FILENAME = "gradebook.sqlite"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    assignment TEXT NOT NULL,
    assignment_version TEXT NOT NULL,
    settings TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    error TEXT,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS check_results (
    student_id TEXT NOT NULL REFERENCES submissions(student_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (student_id, position)
);
CREATE TABLE IF NOT EXISTS history (
    student_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    assignment TEXT NOT NULL,
    assignment_version TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS reviews (
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    comment TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (student_id, question)
);
"""


@dataclass(frozen=True)
class StoredGrade:
    """A row of ``submissions``: what the skip decision needs, and the report."""

    student_id: str
    sha256: str
    assignment_version: str
    settings: str
    graded_at: str
    report_json: str

    def report(self) -> GradeReport:
        return load_report(self.report_json)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Gradebook:
    """``Gradebook(folder)`` opens (or creates) ``folder/gradebook.sqlite``; use as a context manager."""

    def __init__(self, folder: Path, create: bool = True):
        self.path = Path(folder) / FILENAME
        if not create and not self.path.exists():
            raise GradebookError(f"no gradebook at {self.path}; grade into that folder first "
                                 "(grader grade PATHS --out FOLDER)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: every transaction below is opened and closed explicitly.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            with self._transaction():
                self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                if self._meta("schema_version") == "1":
                    self._migrate_from_1()
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self.db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{self.path} is not a usable gradebook ({exc}); move it away to start afresh") from None
        version = self._meta("schema_version") or "0"
        if int(version) != SCHEMA_VERSION:
            raise GradebookError(f"{self.path} was written by another grader version (schema {version}); "
                                 "grade into a new folder")

    def _migrate_from_1(self) -> None:
        """Schema 1 numbered assignment versions; 2 names them by content hash (text) and keeps history."""
        # Legacy renaming leaves check_results' foreign key naming "submissions", the table made next.
        self.db.execute("PRAGMA legacy_alter_table=ON")
        self.db.execute("ALTER TABLE submissions RENAME TO submissions_1")
        self.db.execute(_SCHEMA.split(";")[1])  # submissions, as schema 2 has it
        self.db.execute("INSERT INTO submissions SELECT student_id, source, sha256, assignment, "
                        "CAST(assignment_version AS TEXT), settings, graded_at, score, max_score, error, report "
                        "FROM submissions_1")
        self.db.execute("DROP TABLE submissions_1")
        self.db.execute("PRAGMA legacy_alter_table=OFF")
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- the assignment ---------------------------------------------------------
    def use_assignment(self, name: str, folder: Path) -> None:
        """Record which assignment this folder grades (and from where); refuse another assignment's."""
        held = self._meta("assignment")
        if held is not None and held != name:
            raise GradebookError(f"{self.path} holds grades of {held}, not {name}: grade {name} into another folder")
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('assignment', ?)", (name,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('assignment_folder', ?)", (str(folder),))

    def assignment_folder(self) -> str | None:
        """The folder the grades were last made from (``grader export`` and ``review`` default to it)."""
        return self._meta("assignment_folder")

    def _transaction(self):
        return _Transaction(self.db)

    # --- grades ---------------------------------------------------------------
    def record(self, report: GradeReport, sha256: str, settings: str) -> None:
        """Store one finished grade, replacing the student's previous one, in one transaction."""
        checks = [(report.submission_id, position, q.question, c.outcome.name, c.outcome.visibility,
                   c.outcome.status, c.score, c.max_score, c.outcome.message)
                  for position, (q, c) in enumerate((q, c) for q in report.questions for c in q.checks)]
        with self._transaction():
            self.db.execute("DELETE FROM check_results WHERE student_id = ?", (report.submission_id,))
            self.db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (report.submission_id, report.source, sha256, report.assignment, report.assignment_version,
                 settings, now(), report.score, report.max_score, report.error, dump_report(report)))
            self.db.executemany("INSERT INTO check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", checks)
            self.db.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (report.submission_id, sha256, report.assignment, str(report.assignment_version), now(),
                             report.score, report.max_score, report.error))

    def history(self, student_id: str | None = None) -> list[tuple]:
        """Every grade recorded, oldest first: (student, sha256, assignment version, graded at, score)."""
        query = "SELECT student_id, sha256, assignment_version, graded_at, score FROM history"
        rows = self.db.execute(query + " WHERE student_id = ? ORDER BY rowid", (student_id,)) if student_id \
            else self.db.execute(query + " ORDER BY rowid")
        return [tuple(row) for row in rows]

    def stored(self) -> dict[str, StoredGrade]:
        rows = self.db.execute("SELECT student_id, sha256, assignment_version, settings, graded_at, report "
                               "FROM submissions ORDER BY student_id")
        return {row[0]: StoredGrade(*row) for row in rows}

    def reports(self) -> list[GradeReport]:
        return [grade.report() for grade in self.stored().values()]

    def report(self, student_id: str) -> GradeReport:
        row = self.db.execute("SELECT report FROM submissions WHERE student_id = ?", (student_id,)).fetchone()
        if row is None:
            raise GradebookError(f"no graded submission for {student_id!r} in {self.path}")
        return load_report(row[0])

    # --- reviews --------------------------------------------------------------
    def save_review(self, review: Review, based_on: str | None = None) -> Review:
        """Store ``review``, replacing the answer's previous one. ``based_on`` guards against a lost update
        when several people review at once: the ``reviewed_at`` of the review the reviewer saw ("" when
        they saw none); if the stored one differs, nothing is written and ReviewConflict says whose review
        is there. None (``grader review``) replaces whatever is stored."""
        review = Review(review.student_id, review.question, float(review.score), review.comment,
                        review.reviewed_at or now())
        with self._transaction():
            if based_on is not None:
                row = self.db.execute("SELECT score, comment, reviewed_at FROM reviews WHERE student_id = ? "
                                      "AND question = ?", (review.student_id, review.question)).fetchone()
                if (row[2] if row else "") != based_on:
                    raise ReviewConflict(review.student_id, review.question,
                                         Review(review.student_id, review.question, *row) if row else None)
            self.db.execute("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?)",
                            (review.student_id, review.question, review.score, review.comment, review.reviewed_at))
        return review

    def grades_version(self) -> int:
        """Changes whenever a grade is recorded (each adds a history row): what caches of reports key on."""
        return self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM history").fetchone()[0]

    def reviews(self, student_id: str | None = None) -> dict[str, dict[str, Review]]:
        """student id -> question -> Review."""
        query = "SELECT student_id, question, score, comment, reviewed_at FROM reviews"
        rows = self.db.execute(query + " WHERE student_id = ?", (student_id,)) if student_id is not None \
            else self.db.execute(query)
        found: dict[str, dict[str, Review]] = {}
        for row in rows:
            found.setdefault(row[0], {})[row[1]] = Review(*row)
        return found

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *exc):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
