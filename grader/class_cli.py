"""The class-sized parts of the command line: batch options of ``grader grade``, ``grader export``,
``grader review``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader.cli_assignment import add_assignment_arguments, assignment_from
from grader.review import Review, awaiting_review, check_review
from grader.roster import read_roster
from grader.text import printable


def add_batch_arguments(grade: argparse.ArgumentParser) -> None:
    grade.add_argument("--workers", type=int, default=None,
                       help=f"worker processes grading at once (default: the machine's cores, {os.cpu_count()})")
    grade.add_argument("--force", action="store_true",
                       help="regrade every submission, even those the gradebook holds unchanged")
    grade.add_argument("--roster", type=Path, help="CSV with columns file,student_id (and any others)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster (tcp://host:8786) instead of local workers")
    grade.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bar (default: when stderr is a terminal; else a line per submission)")


def batch_settings(args) -> "BatchSettings":
    from grader.batch import BatchSettings  # the batch machinery is imported only by ``grader grade``

    if args.workers is not None and args.workers < 1:
        raise SystemExit("grader: --workers must be at least 1")
    return BatchSettings(workers=args.workers, force=args.force,
                         roster=read_roster(args.roster) if args.roster else None,
                         scheduler=args.scheduler, progress=args.progress)


def add_commands(commands) -> None:
    export = commands.add_parser("export", help="from the gradebook: an LMS CSV, and every student's files again")
    export.add_argument("--out", type=Path, required=True, help="the folder graded into (holds gradebook.sqlite)")
    export.add_argument("--csv", type=Path, metavar="FILE", help="write the class's scores here ('-': stdout)")
    export.add_argument("--roster", type=Path, help="roster CSV whose other columns go into the CSV")
    add_assignment_arguments(export, " (default: the folder the gradebook was graded with)")
    review = commands.add_parser("review", help="list written answers awaiting review, or record a review")
    review.add_argument("--out", type=Path, required=True, help="the folder graded into (holds gradebook.sqlite)")
    review.add_argument("--student", help="the student whose answer is reviewed")
    review.add_argument("--question", help="the question reviewed (its id in assignment.toml)")
    review.add_argument("--score", type=float, help="points awarded for the written answer")
    review.add_argument("--comment", default="", help="shown to the student in place of the suggestion")
    add_assignment_arguments(review, " (default: the folder the gradebook was graded with)")


def run(args) -> int:
    from grader.gradebook import Gradebook  # here: the other commands do not need it

    with Gradebook(args.out, create=False) as gradebook:
        assignment = assignment_from(args, recorded=gradebook.assignment_folder())
        if args.command == "export":
            return _export(args, gradebook, assignment)
        return _review(args, gradebook, assignment)


def _export(args, gradebook, assignment) -> int:
    from grader.export import gradebook_csv, regenerate_outputs  # the outputs' templates: export and review only

    written = regenerate_outputs(gradebook, args.out, assignment)
    print(f"rewrote results.json and feedback.html of {written} students, and {args.out / 'index.html'}",
          file=sys.stderr)
    if args.csv:
        text = gradebook_csv(gradebook, assignment, read_roster(args.roster) if args.roster else None)
        if str(args.csv) == "-":
            sys.stdout.write(text)
        else:
            args.csv.write_text(text, encoding="utf-8")
            print(f"wrote {args.csv}", file=sys.stderr)
    return 0


def _review(args, gradebook, assignment) -> int:
    given = [args.student, args.question, args.score]
    if not any(v is not None for v in given):
        reviews = gradebook.reviews()
        waiting = [w for report in gradebook.reports()
                   for w in awaiting_review(report, reviews.get(report.submission_id, {}))]
        for w in waiting:
            excerpt = " ".join(w.answer.split())
            excerpt = excerpt if len(excerpt) <= 100 else excerpt[:99] + "…"
            basis = f" (matched {len(w.matched)} of {len(w.concepts)} concepts: {', '.join(w.matched)})" if w.concepts else ""
            print(printable(f"{w.student_id} {w.question}: suggested {w.suggested:.3g} of {w.max_score:.3g} points"
                            f"{basis}: {excerpt}"))
        print(f"{len(waiting)} written answers awaiting review", file=sys.stderr)
        return 0
    if any(v is None for v in given):
        print("grader: to record a review give --student, --question and --score (and --comment)", file=sys.stderr)
        return 2
    review = Review(args.student, args.question, args.score, args.comment)
    check_review(gradebook.report(args.student), review)
    review = gradebook.save_review(review)
    from grader.export import regenerate_outputs

    regenerate_outputs(gradebook, args.out, assignment, students={args.student})
    print(f"{review.student_id} {review.question}: {review.score:g} points recorded; "
          f"{args.out / review.student_id / 'feedback.html'} updated")
    return 0
