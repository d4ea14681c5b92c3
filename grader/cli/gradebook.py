"""The commands over a folder graded into: ``grader export`` (an LMS CSV, every student's files again) and
``grader review`` (list written answers awaiting review, or record one)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.cli.assignment import assignment_from
from grader.core.errors import ReviewError
from grader.core.points_text import points
from grader.scoring.reviews import Review, awaiting_review, check_review, review_checks
from grader.classroom.roster import read_roster
from grader.scoring.rubric_items import load_rubric
from grader.core.text import printable


def export_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("--csv", type=Path, metavar="FILE", help="write the class's scores here ('-': stdout)")


def review_arguments(review: argparse.ArgumentParser) -> None:
    review.add_argument("--student", help="the student whose answer is reviewed")
    review.add_argument("--question", help="the question reviewed (its id in assignment.toml)")
    review.add_argument("--score", type=float, help="points awarded for the written answer")
    review.add_argument("--comment", default="", help="shown to the student in place of the suggestion")
    review.add_argument("--items", metavar="KEYS",
                        help="score by the question's rubric items instead of --score: their keys, e.g. 1,3 "
                             "(rubric.toml beside assignment.toml, or as edited in grader serve)")
    review.add_argument("--adjust", type=float, default=0.0,
                        help="with --items: points added to (or, negative, taken from) the items' total")


def run_export(args) -> int:
    from grader.classroom.gradebook import Gradebook  # here: the other commands do not need it

    with Gradebook(args.out, create=False) as gradebook:
        return _export(args, gradebook, assignment_from(args, recorded=gradebook.assignment_folder()))


def run_review(args) -> int:
    from grader.classroom.gradebook import Gradebook

    with Gradebook(args.out, create=False) as gradebook:
        return _review(args, gradebook, assignment_from(args, recorded=gradebook.assignment_folder()))


def _export(args, gradebook, assignment) -> int:
    from grader.classroom.export import gradebook_csv, regenerate_outputs  # the outputs' templates: export and review only

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
    gradebook.seed_rubric(load_rubric(assignment.folder, assignment))
    given = [args.student, args.question, args.score if args.items is None else args.items]
    if args.items is not None and args.score is not None:
        print("grader: give --score or --items, not both (items score the answer)", file=sys.stderr)
        return 2
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
        for item in gradebook.rubric_items():
            print(printable(f"rubric item: {item.question} key {item.key} ({item.points:+g}) {item.label}"),
                  file=sys.stderr)
        return 0
    if any(v is None for v in given):
        print("grader: to record a review give --student, --question and --score or --items (and --comment)",
              file=sys.stderr)
        return 2
    from grader.classroom.export import regenerate_outputs

    if args.items is not None:
        review = _review_by_items(args, gradebook)
    else:
        review = Review(args.student, args.question, args.score, args.comment)
        check_review(gradebook.report(args.student), review)
        review = gradebook.save_review(review)
    regenerate_outputs(gradebook, args.out, assignment, students={args.student})
    print(f"{review.student_id} {review.question}: {points(review.score)} recorded; "
          f"{args.out / review.student_id / 'feedback.html'} updated")
    return 0


def _review_by_items(args, gradebook) -> Review:
    """Score one answer by the rubric items whose keys ``--items`` lists (plus ``--adjust``)."""
    report = gradebook.report(args.student)
    checks = review_checks(report, args.question)
    if not checks:
        raise ReviewError(f"{args.student} has no written answer for {args.question} awaiting review; "
                          "`grader review --out DIR` lists those that have")
    by_key = {item.key: item for item in gradebook.rubric_items(args.question)}
    try:
        keys = [int(k) for k in args.items.split(",") if k.strip()]
    except ValueError:
        raise ReviewError(f"--items {args.items!r}: give the items' keys, e.g. 1,3") from None
    unknown = [k for k in keys if k not in by_key]
    if unknown or not keys:
        known = ", ".join(f"{k} ({i.label})" for k, i in sorted(by_key.items())) or "none yet"
        raise ReviewError(f"{args.question} has no rubric item with key {unknown or args.items!r}; its items: {known}")
    share = sum(c.max_score for c in checks)
    return gradebook.save_item_reviews([(args.student, args.question, share)], [by_key[k].id for k in keys],
                                       args.adjust, args.comment)[0]
