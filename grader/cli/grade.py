"""``grader grade PATHS --out DIR``: grade a class (or one notebook) into a folder."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from grader.assignments.manifest import HIDDEN, PUBLIC
from grader.classroom.roster import read_roster
from grader.cli.assignment import assignment_from
from grader.cli.options import limits_from
from grader.core.deadline import deadline_from

if TYPE_CHECKING:
    from grader.classroom.batch import BatchSettings


def grade_arguments(grade: argparse.ArgumentParser) -> None:
    grade.add_argument("paths", nargs="+", type=Path, help="notebook files or folders holding them")
    grade.add_argument("--public-only", action="store_true", help="run only the public checks")
    grade.add_argument("--force", action="store_true",
                       help="regrade every submission, even those the gradebook holds unchanged")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster (tcp://host:8786) instead of local workers")


def batch_settings(args) -> "BatchSettings":
    from grader.classroom.batch import BatchSettings  # the batch machinery is imported only by ``grader grade``

    return BatchSettings(workers=args.workers, force=args.force,
                         roster=read_roster(args.roster) if args.roster else None,
                         scheduler=args.scheduler, progress=args.progress)


def run_grade(args) -> int:
    from grader.grading.pipeline import GradeOptions, find_notebooks

    files = find_notebooks(args.paths)
    assignment = assignment_from(args, files)
    options = GradeOptions(limits=limits_from(args, assignment),
                           suites=(PUBLIC,) if args.public_only else (PUBLIC, HIDDEN),
                           isolation=args.isolation, require_isolation=args.require_isolation,
                           deadline=deadline_from(args))
    settings = batch_settings(args)
    if len(files) == 1 and not settings.scheduler:
        # One notebook: its warm process starts now, while the rest of the grader is imported
        # (grader/grading/single_notebook.py); the batch below finds it ready and grades in this process.
        from grader.grading import single_notebook
        from grader.classroom import worker

        worker.keep_warm_process(assignment, options, single_notebook.start(files[0], assignment, options))
    from grader.classroom.batch import grade_batch

    status = grade_batch(args.paths, args.out, assignment, options, settings)
    if args.junit:
        from grader.classroom.gradebook import Gradebook
        from grader.outputs.junit import write_junit

        with Gradebook(args.out) as gradebook:
            write_junit(gradebook.reports(), args.junit)
    return status
