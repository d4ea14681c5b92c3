"""The gradebook: one SQLite file in the output folder, written one finished grade per transaction.

Tables: ``submissions`` (the current grade of each student: content hash,
assignment version, the settings it was graded with, when, the score, and the
whole GradeReport as JSON so outputs can be rebuilt without running code),
``check_results`` (each check's verdict, for queries and the class summary),
``history`` (every grade ever recorded, one row each: which file, which
assignment version, when, the score; a regrade after a changed check adds a
row and keeps the old one) and ``reviews`` (instructors' scores and comments
for written answers; kept apart so a regrade never touches them). ``meta``
names the assignment and the folder it was graded from. Rubric items
(``grader.scoring.rubric_items``) live in ``rubric_items``; ``applied_items`` says
which answers each was applied to and ``item_reviews`` the share and
free-form adjustment of each answer scored by items, so editing an item
re-scores exactly those answers; ``review_history`` keeps every review a
later one (or an item's edit) replaced. These four tables came after schema
2 and are created when an older gradebook is opened.

Each grade is committed in one transaction, in WAL mode with full sync: a
grader killed at any moment leaves every committed grade intact and no half
of one.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.core.errors import GradebookError, ReviewConflict, ReviewError
from grader.classroom.stored_report import dump_report, load_report
from grader.core.records import GradeReport
from grader.scoring.reviews import Review
from grader.scoring.rubric_items import AppliedItem, RubricItem, items_score

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
CREATE TABLE IF NOT EXISTS rubric_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    key INTEGER NOT NULL,
    label TEXT NOT NULL,
    points REAL NOT NULL,
    comment TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_items (
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES rubric_items(id),
    PRIMARY KEY (student_id, question, item_id)
);
CREATE TABLE IF NOT EXISTS item_reviews (
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    share REAL NOT NULL,
    adjustment REAL NOT NULL,
    PRIMARY KEY (student_id, question)
);
CREATE TABLE IF NOT EXISTS review_history (
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    comment TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS applied_by_item ON applied_items(item_id)
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

    def sources(self) -> list[tuple[str, str, str, str | None]]:
        """(student, notebook path, its SHA-256 when graded, error or None) of every current grade, by student."""
        rows = self.db.execute("SELECT student_id, source, sha256, error FROM submissions ORDER BY student_id")
        return [tuple(row) for row in rows]

    def report(self, student_id: str) -> GradeReport:
        row = self.db.execute("SELECT report FROM submissions WHERE student_id = ?", (student_id,)).fetchone()
        if row is None:
            raise GradebookError(f"no graded submission for {student_id!r} in {self.path}")
        return load_report(row[0])

    # --- reviews --------------------------------------------------------------
    def save_review(self, review: Review, based_on: str | None = None) -> Review:
        """Store ``review``, replacing the answer's previous one (kept in ``review_history``) and any rubric
        items applied to it: a typed score stands alone. ``based_on`` guards against a lost update
        when several people review at once: the ``reviewed_at`` of the review the reviewer saw ("" when
        they saw none); if the stored one differs, nothing is written and ReviewConflict says whose review
        is there. None (``grader review``) replaces whatever is stored."""
        review = Review(review.student_id, review.question, float(review.score), review.comment,
                        review.reviewed_at or now())
        with self._transaction():
            self._replace_review(review, based_on)
            self.db.execute("DELETE FROM applied_items WHERE student_id = ? AND question = ?",
                            (review.student_id, review.question))
            self.db.execute("DELETE FROM item_reviews WHERE student_id = ? AND question = ?",
                            (review.student_id, review.question))
        return review

    def _replace_review(self, review: Review, based_on: str | None) -> None:
        row = self.db.execute("SELECT score, comment, reviewed_at FROM reviews WHERE student_id = ? "
                              "AND question = ?", (review.student_id, review.question)).fetchone()
        if based_on is not None and (row[2] if row else "") != based_on:
            raise ReviewConflict(review.student_id, review.question,
                                 Review(review.student_id, review.question, *row) if row else None)
        if row:
            self.db.execute("INSERT INTO review_history VALUES (?, ?, ?, ?, ?, ?)",
                            (review.student_id, review.question, *row, now()))
        self.db.execute("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?)",
                        (review.student_id, review.question, review.score, review.comment, review.reviewed_at))

    def save_item_reviews(self, answers, item_ids, adjustment: float = 0.0, comment: str = "",
                          based_on=None) -> list[Review]:
        """Score each of ``answers`` ((student, question, share) triples, one question) by the items
        ``item_ids`` plus ``adjustment``, with ``comment``, in one transaction. ``based_on`` (student ->
        the reviewed_at the reviewer saw, "" for none) refuses the whole save when any differs, as
        ``save_review`` does."""
        item_ids = sorted(set(item_ids))
        saved = []
        with self._transaction():
            points = {}
            for item_id in item_ids:
                row = self.db.execute("SELECT question, points FROM rubric_items WHERE id = ?", (item_id,)).fetchone()
                if row is None:
                    raise ReviewError(f"no rubric item {item_id}: it was removed; reload the page")
                points[item_id] = row
            for student, question, share in answers:
                if any(q != question for q, _ in points.values()):
                    raise ReviewError(f"a rubric item of another question cannot score {question}")
                review = Review(student, question, items_score([p for _, p in points.values()], adjustment, share),
                                comment, now())
                self._replace_review(review, None if based_on is None else based_on.get(student, ""))
                self.db.execute("DELETE FROM applied_items WHERE student_id = ? AND question = ?", (student, question))
                self.db.executemany("INSERT INTO applied_items VALUES (?, ?, ?)",
                                    [(student, question, item_id) for item_id in item_ids])
                self.db.execute("INSERT OR REPLACE INTO item_reviews VALUES (?, ?, ?, ?)",
                                (student, question, float(share), float(adjustment)))
                saved.append(review)
        return saved

    # --- rubric items -----------------------------------------------------------------------------------
    def rubric_items(self, question: str | None = None) -> list[RubricItem]:
        """The items (of one question, or all), by question then key."""
        query = "SELECT id, question, key, label, points, comment FROM rubric_items"
        rows = self.db.execute(query + " WHERE question = ? ORDER BY key, id", (question,)) if question \
            else self.db.execute(query + " ORDER BY question, key, id")
        return [RubricItem(*row) for row in rows]

    def seed_rubric(self, items) -> int:
        """Store the assignment folder's ``items`` of each question that has none in the gradebook yet (the
        gradebook's items, once edited, are the rubric); how many were added."""
        added = 0
        with self._transaction():
            held = {row[0] for row in self.db.execute("SELECT DISTINCT question FROM rubric_items")}
            for item in items:
                if item.question not in held:
                    self.db.execute("INSERT INTO rubric_items (question, key, label, points, comment, updated_at) "
                                    "VALUES (?, ?, ?, ?, ?, ?)",
                                    (item.question, item.key, item.label, item.points, item.comment, now()))
                    added += 1
        return added

    def add_item(self, item: RubricItem) -> RubricItem:
        with self._transaction():
            self._key_free(item)
            cursor = self.db.execute("INSERT INTO rubric_items (question, key, label, points, comment, updated_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?)",
                                     (item.question, item.key, item.label, item.points, item.comment, now()))
        assert cursor.lastrowid is not None  # an INSERT always sets it
        return RubricItem(cursor.lastrowid, item.question, item.key, item.label, item.points, item.comment)

    def _key_free(self, item: RubricItem) -> None:
        clash = self.db.execute("SELECT label FROM rubric_items WHERE question = ? AND key = ? AND id != ?",
                                (item.question, item.key, item.id)).fetchone()
        if clash:
            raise ReviewError(f"key {item.key} already applies {clash[0]!r} in {item.question}; choose another key")

    def edit_item(self, item: RubricItem) -> list[str]:
        """Replace the stored item ``item.id`` by ``item`` and re-score every answer it was applied to (each
        replaced review kept in ``review_history``); the students whose scores were re-computed."""
        with self._transaction():
            row = self.db.execute("SELECT question FROM rubric_items WHERE id = ?", (item.id,)).fetchone()
            if row is None:
                raise ReviewError(f"no rubric item {item.id}; reload the page")
            if row[0] != item.question:
                raise ReviewError("an item stays with its question; add a new item to the other question")
            self._key_free(item)
            self.db.execute("UPDATE rubric_items SET key = ?, label = ?, points = ?, comment = ?, updated_at = ? "
                            "WHERE id = ?", (item.key, item.label, item.points, item.comment, now(), item.id))
            answers = self.db.execute(
                "SELECT a.student_id, a.question, r.share, r.adjustment, v.comment FROM applied_items a "
                "JOIN item_reviews r USING (student_id, question) JOIN reviews v USING (student_id, question) "
                "WHERE a.item_id = ? ORDER BY a.student_id", (item.id,)).fetchall()
            for student, question, share, adjustment, comment in answers:
                points = [p for (p,) in self.db.execute(
                    "SELECT i.points FROM applied_items a JOIN rubric_items i ON i.id = a.item_id "
                    "WHERE a.student_id = ? AND a.question = ?", (student, question))]
                self._replace_review(Review(student, question, items_score(points, adjustment, share), comment,
                                            now()), None)
        return [student for student, *_ in answers]

    def applied_item_ids(self, student_id: str, question: str) -> list[int]:
        return [row[0] for row in self.db.execute(
            "SELECT item_id FROM applied_items WHERE student_id = ? AND question = ? ORDER BY item_id",
            (student_id, question))]

    def review_history(self, student_id: str, question: str) -> list[Review]:
        """The reviews of one answer that later ones replaced, oldest first."""
        rows = self.db.execute("SELECT student_id, question, score, comment, reviewed_at FROM review_history "
                               "WHERE student_id = ? AND question = ? ORDER BY rowid", (student_id, question))
        return [Review(*row) for row in rows]

    def grades_version(self) -> int:
        """Changes whenever a grade is recorded (each adds a history row): what caches of reports key on."""
        return self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM history").fetchone()[0]

    def reviews(self, student_id: str | None = None) -> dict[str, dict[str, Review]]:
        """student id -> question -> Review (with the rubric items applied to it)."""
        where, args = (" WHERE v.student_id = ?", (student_id,)) if student_id is not None else ("", ())
        rows = self.db.execute("SELECT v.student_id, v.question, v.score, v.comment, v.reviewed_at, r.adjustment "
                               "FROM reviews v LEFT JOIN item_reviews r USING (student_id, question)" + where, args)
        found: dict[str, dict[str, Review]] = {}
        scored_by_items = []
        for row in rows:
            found.setdefault(row[0], {})[row[1]] = Review(*row[:5])
            if row[5] is not None:
                scored_by_items.append(row)
        if scored_by_items:
            applied: dict[tuple[str, str], list[AppliedItem]] = {}
            query = ("SELECT a.student_id, a.question, i.label, i.points, i.comment FROM applied_items a "
                     "JOIN rubric_items i ON i.id = a.item_id" + where.replace("v.", "a.") + " ORDER BY i.key, i.id")
            for student, question, label, points, comment in self.db.execute(query, args):
                applied.setdefault((student, question), []).append(AppliedItem(label, points, comment))
            for student, question, *_, adjustment in scored_by_items:
                review = found[student][question]
                found[student][question] = Review(review.student_id, review.question, review.score, review.comment,
                                                  review.reviewed_at, tuple(applied.get((student, question), ())),
                                                  adjustment)
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
