"""The commands that meet students, CI and Gradescope: ``stub``, ``release``, ``check``, ``gradescope build|run``.

``grader.cli.commands`` lists them; each handler returns the exit status.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.assignments.manifest import load_assignment
from grader.cli.options import positive_seconds
from grader.core.deadline import GRADESCOPE_TIMEOUT as DEFAULT_TIMEOUT, deadline_from


def assignment_argument(parser: argparse.ArgumentParser) -> None:
    """A positional ASSIGNMENT (folder or name); the command also takes ``--course``."""
    parser.add_argument("assignment", help="the assignment's folder (holding assignment.toml), or its name "
                                           "in the course folder")


def run_stub(args) -> int:
    from grader.delivery.stub import write_stub

    assignment = load_assignment(args.assignment, args.course)
    out = args.out or assignment.exercise
    out.parent.mkdir(parents=True, exist_ok=True)
    write_stub(assignment.solution, out)
    print(f"wrote {out}")
    return 0


def run_release(args) -> int:
    from grader.delivery.release import release

    files = release(load_assignment(args.assignment, args.course), args.out)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("notebook", type=Path)
    check.add_argument("--checks", type=Path, default=None,
                       help="the release's checks/ folder, when the notebook is elsewhere")
    check.add_argument("--feedback", type=Path, default=None, help="where to write feedback.html "
                                                                    "(default: beside the notebook)")
    check.add_argument("--written-pdf", nargs="?", type=Path, const=True, default=None, metavar="PATH",
                       help="also write a PDF of your written answers, to upload for the written questions "
                            "(default PATH: NOTEBOOK-written.pdf beside the notebook; needs Chromium)")
    check.add_argument("--strict", action="store_true", help="exit 1 when a public check fails")


def run_check(args) -> int:
    from grader.outputs.junit import write_junit
    from grader.outputs.terminal import print_summary
    from grader.delivery.selfcheck import self_check, written_pdf_path

    pdf = written_pdf_path(args.notebook) if args.written_pdf is True else args.written_pdf
    result = self_check(args.notebook, assignment=args.assignment, checks=args.checks, feedback=args.feedback,
                        cell_timeout=args.cell_timeout, call_timeout=args.call_timeout, written_pdf=pdf,
                        deadline=deadline_from(args))
    print_summary(result, sys.stdout)
    if result.written_pdf:
        print(f"wrote {result.written_pdf}: your written answers, to upload for the written questions")
    if args.junit:
        write_junit([result.report], args.junit)
    return 1 if args.strict and result.failed else 0


def build_arguments(build: argparse.ArgumentParser) -> None:
    assignment_argument(build)
    build.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"the autograder timeout set in Gradescope (default {DEFAULT_TIMEOUT:g}): a run stops "
                            "starting cells and checks as it runs low, and always writes its results in time")
    build.add_argument("--allow-readable-hidden", action="store_true",
                       help="grade even where student code could read the hidden checks (by default the run "
                            "refuses, score 0, saying why); the run's stdout warns each time")


def run_build(args) -> int:
    from grader.delivery.gradescope.build import build_autograder_zip, write_outline

    assignment = load_assignment(args.assignment, args.course)
    print(f"wrote {build_autograder_zip(assignment, args.out, args.timeout, args.allow_readable_hidden)}")
    outline, path = write_outline(assignment, args.out)
    print(outline.text(assignment.title), end="")
    print(f"wrote {path}")
    return 0


def autograder_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("--root", type=Path, default=Path("/autograder"))
    run.add_argument("--source", type=Path, default=None, help="default: ROOT/source")


def run_autograder(args) -> int:
    from grader.delivery.gradescope.run import run_autograder as run

    return run(args.root, args.source or args.root / "source")
