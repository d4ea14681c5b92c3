"""The class as the app reads it: a gradebook connection per request, reports parsed once per grade.

Parsing every stored report (a few hundred kilobytes of JSON for a class)
on each request would dominate the review page's time, so the reports and
the queue built from them are kept until a grade is recorded (the
gradebook's ``grades_version`` changes). Reviews are small and are read
fresh on every request: a review saved by anyone shows at once.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.gradebook import Gradebook
from grader.scoring.reviews import apply_reviews
from grader.core.records import GradeReport
from grader.serve.queue import ReviewItem, review_items


@dataclass(frozen=True)
class Snapshot:
    version: int
    reports: dict  # student id -> GradeReport as stored (no reviews applied)
    items: tuple[ReviewItem, ...]
    index: dict  # (student, question) -> ReviewItem


class ClassStore:
    def __init__(self, out_dir: Path, assignment):
        self.out_dir, self.assignment = Path(out_dir), assignment
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def gradebook(self) -> Gradebook:
        """A connection of the calling thread's own (sqlite3 connections stay in their thread)."""
        return Gradebook(self.out_dir, create=False)

    def snapshot(self, gradebook: Gradebook) -> Snapshot:
        version = gradebook.grades_version()
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                reports = {r.submission_id: r for r in gradebook.reports()}
                items = review_items(reports.values(), self.assignment)
                self._snapshot = Snapshot(version, reports, items, {i.key: i for i in items})
            return self._snapshot

    def reviewed(self, report: GradeReport, reviews) -> GradeReport:
        return apply_reviews(report, reviews.get(report.submission_id, {}), self.assignment)
