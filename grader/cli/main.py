"""The command line: ``grader grade`` and ``grader stub``; ``release``, ``check`` and ``gradescope`` in
cli_delivery; ``export`` and ``review`` in class_cli; ``new`` and ``validate`` in cli_authoring. Every
command grades or packages an assignment folder (grader/cli/assignment.py says how it is found)."""
from __future__ import annotations

import argparse
import atexit
import gc
import sys
from pathlib import Path

from grader.cli import grade as class_cli
from grader.assignments.manifest import HIDDEN, PUBLIC, Limits, load_assignment
from grader.cli.assignment import add_assignment_arguments, assignment_argument, assignment_from
from grader.cli.authoring import AUTHORING_COMMANDS, add_authoring_commands, run_authoring_command
from grader.cli.delivery import DELIVERY_COMMANDS, add_delivery_commands, run_delivery_command
from grader.cli import similarity as cli_similarity
from grader.core.deadline import add_deadline_argument, deadline_from
from grader.core.errors import GraderError
from grader.sandbox.student_side.isolation import LEVELS, PROCESS
from grader.cli import serve as serve_cli
from grader.core.text import printable

# At the interpreter's exit (after the command's threads are joined and before its last garbage collections),
# every object left is frozen, so that those collections skip them. A command that graded has torch, pytest
# and nbconvert loaded; collecting their millions of objects once more, only to free memory the exit frees
# anyway, costs ~0.4-0.8 s of CPU after the last file is written: what one notebook's grading waits for last.
# Every file the command writes is closed by then, and exit handlers (temporary folders) still run.
atexit.register(gc.freeze)

# Each command imports what it uses when it runs: torch and pytest only where notebooks are graded, nbconvert
# only where a notebook or a page is written (tests/test_single_notebook.py holds the light ones to it).


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade Jupyter notebooks of PyTorch exercises.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade notebooks; writes OUT/<id>/results.json and feedback.html")
    grade.add_argument("paths", nargs="+", type=Path, help="notebook files or folders holding them")
    grade.add_argument("--out", type=Path, required=True, help="output folder")
    add_assignment_arguments(grade, " (default: the one the notebooks name, in the course folder)")
    grade.add_argument("--cell-timeout", type=float, default=None,
                       help=f"seconds each code cell may run (default: the manifest's, else {Limits.cell:g})")
    grade.add_argument("--call-timeout", type=float, default=None,
                       help=f"seconds each call a check makes may run (default: the manifest's, else {Limits.call:g})")
    add_deadline_argument(grade)
    grade.add_argument("--public-only", action="store_true", help="run only the public checks")
    grade.add_argument("--junit", type=Path, default=None, help="also write JUnit XML (one testcase per check)")
    grade.add_argument("--isolation", choices=("auto", "none"), default="auto",
                       help="auto: every isolation layer this platform has (default); none: plain child "
                            "processes, for debugging only")
    grade.add_argument("--require-isolation", choices=LEVELS, default=PROCESS,
                       help="refuse to grade when the platform isolates below this level (servers: full)")
    class_cli.add_batch_arguments(grade)
    stub = commands.add_parser("stub", help="generate the student notebook from the assignment's solution")
    assignment_argument(stub)
    stub.add_argument("--out", type=Path, default=None,
                      help="where to write it (default: the course's exercises/NAME/NOTEBOOK)")
    add_delivery_commands(commands)
    add_authoring_commands(commands)
    class_cli.add_commands(commands)
    serve_cli.add_serve_command(commands)
    cli_similarity.add_similarity_command(commands)
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "stub":
            from grader.delivery.stub import write_stub

            assignment = load_assignment(args.assignment, args.course)
            out = args.out or assignment.exercise
            out.parent.mkdir(parents=True, exist_ok=True)
            write_stub(assignment.solution, out)
            print(f"wrote {out}")
            return 0
        if args.command in DELIVERY_COMMANDS:
            return run_delivery_command(args)
        if args.command in AUTHORING_COMMANDS:
            return run_authoring_command(args)
        if args.command in ("export", "review"):
            return class_cli.run(args)
        if args.command == serve_cli.COMMAND:
            return serve_cli.run_serve(args)
        if args.command == cli_similarity.COMMAND:
            return cli_similarity.run_similarity(args)
        return _grade(args)
    except GraderError as exc:
        print(f"grader: {printable(str(exc))}", file=sys.stderr)
        return 2


def _grade(args) -> int:
    from grader.grading.pipeline import GradeOptions, find_notebooks

    files = find_notebooks(args.paths)
    assignment = assignment_from(args, files)
    limits = Limits(cell=args.cell_timeout or assignment.limits.cell, call=args.call_timeout or assignment.limits.call)
    options = GradeOptions(limits=limits,
                           suites=(PUBLIC,) if args.public_only else (PUBLIC, HIDDEN),
                           isolation=args.isolation, require_isolation=args.require_isolation,
                           deadline=deadline_from(args))
    settings = class_cli.batch_settings(args)
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


if __name__ == "__main__":
    sys.exit(main())
