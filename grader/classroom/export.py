"""From the gradebook, without running any code: an LMS-ready CSV, and every student's output files.

CSV: one row per student, ``Student ID`` first (then the roster's other
columns, when a roster is given), one column per question (``q1`` ...), then
``Total`` and ``Max Points``, which is what Canvas, Moodle and Blackboard
imports map (an id column and a points column). Scores include instructors'
reviews; a written answer not reviewed yet counts 0, and its points are in
``Points Awaiting Review`` (its question in ``Awaiting Review``).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.assignments.manifest import Assignment
from grader.classroom.gradebook import Gradebook
from grader.outputs import render_outputs, save_files
from grader.outputs.class_summary import write_class_summary
from grader.core.records import REVIEW
from grader.scoring.reviews import apply_reviews
from grader.classroom.roster import Roster
from grader.classroom.student_ids import student_folder


def reviewed_reports(gradebook: Gradebook, assignment: Assignment):
    reviews = gradebook.reviews()
    return [apply_reviews(r, reviews.get(r.submission_id, {}), assignment) for r in gradebook.reports()]


def gradebook_csv(gradebook: Gradebook, assignment: Assignment, roster: Roster | None = None) -> str:
    extra = roster.columns if roster else ()
    questions = [q.id for q in assignment.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Student ID", *extra, *questions, "Total", "Max Points", "Status", "Awaiting Review",
                     "Points Awaiting Review", "Graded At", "SHA-256"])
    stored = gradebook.stored()
    for report in reviewed_reports(gradebook, assignment):
        sid = report.submission_id
        by_question = {q.question: q for q in report.questions}
        waiting = [q.question for q in report.questions if any(c.outcome.status == REVIEW for c in q.checks)]
        row_extra = [(roster.extra.get(sid, {}) if roster else {}).get(c, "") for c in extra]
        scores = [_number(by_question[q].score) if q in by_question else "" for q in questions]
        status = f"not graded: {report.error}" if report.error else "graded"
        writer.writerow([sid, *row_extra, *scores, _number(report.score), _number(assignment.total_points), status,
                         " ".join(waiting), _number(report.awaiting_review), stored[sid].graded_at, stored[sid].sha256])
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{round(value, 6):.12g}"


def regenerate_outputs(gradebook: Gradebook, out_dir: Path, assignment: Assignment, students=None) -> int:
    """Rewrite results.json and feedback.html of every stored grade (or of ``students``) and the class
    summary; returns how many students' files were written."""
    written = 0
    for report in reviewed_reports(gradebook, assignment):
        if students is None or report.submission_id in students:
            save_files(render_outputs(report, assignment)[1], student_folder(out_dir, report.submission_id))
            written += 1
    write_class_summary(gradebook, out_dir, assignment)
    return written
