"""The commands that meet students, CI and Gradescope: ``release``, ``check``, ``gradescope build|run``.

``grader.cli.main`` adds them with ``add_delivery_commands`` and hands them over
with ``run_delivery_command``; each handler returns the exit status.
"""
from __future__ import annotations

import sys
from pathlib import Path

from grader.assignments.manifest import Limits, load_assignment
from grader.cli.assignment import assignment_argument
from grader.core.deadline import GRADESCOPE_TIMEOUT as DEFAULT_TIMEOUT, add_deadline_argument, deadline_from

DELIVERY_COMMANDS = ("release", "check", "gradescope")


def add_delivery_commands(commands) -> None:
    release = commands.add_parser("release", help="write the student bundle: stub notebook, public checks, README")
    assignment_argument(release)
    release.add_argument("--out", type=Path, required=True, help="a new or empty folder")

    check = commands.add_parser("check", help="run the public checks on a notebook (for students)")
    check.add_argument("notebook", type=Path)
    check.add_argument("--assignment", default=None, metavar="PATH",
                       help="the assignment's folder (default: the release folder the notebook is in, else the "
                            "one the notebook names, in the working folder's course)")
    check.add_argument("--checks", type=Path, default=None,
                       help="the release's checks/ folder, when the notebook is elsewhere")
    check.add_argument("--feedback", type=Path, default=None, help="where to write feedback.html "
                                                                    "(default: beside the notebook)")
    check.add_argument("--written-pdf", nargs="?", type=Path, const=True, default=None, metavar="PATH",
                       help="also write a PDF of your written answers, to upload for the written questions "
                            "(default PATH: NOTEBOOK-written.pdf beside the notebook; needs Chromium)")
    check.add_argument("--strict", action="store_true", help="exit 1 when a public check fails")
    check.add_argument("--junit", type=Path, default=None, help="also write JUnit XML here")
    check.add_argument("--cell-timeout", type=float, default=None,
                       help=f"seconds each code cell may run (default: the manifest's, else {Limits.cell:g})")
    check.add_argument("--call-timeout", type=float, default=None,
                       help=f"seconds each call a check makes may run (default: the manifest's, else {Limits.call:g})")
    add_deadline_argument(check)

    gradescope = commands.add_parser("gradescope", help="Gradescope's autograder: build the zip, or run inside it")
    actions = gradescope.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="write the autograder zip to upload to Gradescope")
    assignment_argument(build)
    build.add_argument("--out", type=Path, required=True)
    build.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"the autograder timeout set in Gradescope (default {DEFAULT_TIMEOUT:g}): a run stops "
                            "starting cells and checks as it runs low, and always writes its results in time")
    build.add_argument("--allow-readable-hidden", action="store_true",
                       help="grade even where student code could read the hidden checks (by default the run "
                            "refuses, score 0, saying why); the run's stdout warns each time")
    run = actions.add_parser("run", help="what run_autograder calls: grade ROOT/submission into ROOT/results")
    run.add_argument("--root", type=Path, default=Path("/autograder"))
    run.add_argument("--source", type=Path, default=None, help="default: ROOT/source")


def run_delivery_command(args) -> int:
    if args.command == "release":
        from grader.delivery.release import release

        files = release(load_assignment(args.assignment, args.course), args.out)
        print(f"wrote {len(files)} files to {args.out}")
        return 0
    if args.command == "check":
        return _check(args)
    if args.action == "build":
        from grader.delivery.gradescope.build import build_autograder_zip, write_outline

        if args.timeout <= 0:
            print("grader: --timeout: a positive number of seconds", file=sys.stderr)
            return 2
        assignment = load_assignment(args.assignment, args.course)
        print(f"wrote {build_autograder_zip(assignment, args.out, args.timeout, args.allow_readable_hidden)}")
        outline, path = write_outline(assignment, args.out)
        print(outline.text(assignment.title), end="")
        print(f"wrote {path}")
        return 0
    from grader.delivery.gradescope.run import run_autograder

    return run_autograder(args.root, args.source or args.root / "source")


def _check(args) -> int:
    from grader.outputs.junit import write_junit
    from grader.outputs.terminal import print_summary
    from grader.delivery.selfcheck import self_check, written_pdf_path

    limits = None
    if args.cell_timeout or args.call_timeout:
        limits = Limits(cell=args.cell_timeout or Limits.cell, call=args.call_timeout or Limits.call)
    pdf = written_pdf_path(args.notebook) if args.written_pdf is True else args.written_pdf
    result = self_check(args.notebook, assignment=args.assignment, checks=args.checks, feedback=args.feedback,
                        limits=limits, written_pdf=pdf, deadline=deadline_from(args))
    print_summary(result, sys.stdout)
    if result.written_pdf:
        print(f"wrote {result.written_pdf}: your written answers, to upload for the written questions")
    if args.junit:
        write_junit([result.report], args.junit)
    return 1 if args.strict and result.failed else 0
