"""The instructor's authoring commands: ``grader new NAME``, ``grader validate PATH`` and ``grader audit PATH``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader.core.text import printable

AUTHORING_COMMANDS = ("new", "validate", "audit")


def add_authoring_commands(commands) -> None:
    new = commands.add_parser("new", help="scaffold a new assignment folder (solutions/NAME/ in the course folder)")
    new.add_argument("name", help="the assignment's name: letters, digits, underscores")
    new.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: the working folder)")
    new.add_argument("--title", default=None, help="shown to students (default: from the name)")
    validate = commands.add_parser("validate", help="check an assignment folder: exit 1 when anything is wrong")
    validate.add_argument("path", type=Path, help="the assignment's folder (holding assignment.toml)")
    audit = commands.add_parser("audit", help="audit the checks: do-nothing submissions must earn no code point, "
                                              "mutants of the solution must lose points; exit 1 when not")
    audit.add_argument("path", type=Path, help="the assignment's folder (holding assignment.toml)")
    audit.add_argument("--out", type=Path, default=Path("audit"),
                       help="where to write audit.json and audit.html (default: ./audit)")
    audit.add_argument("--workers", type=int, default=None,
                       help=f"worker processes grading at once (default: the machine's cores, {os.cpu_count()})")
    audit.add_argument("--cell-timeout", type=float, default=None,
                       help="seconds each code cell may run (default: the manifest's [limits])")
    audit.add_argument("--call-timeout", type=float, default=None,
                       help="seconds each call a check makes may run (default: the manifest's [limits])")
    audit.add_argument("--isolation", choices=("auto", "none"), default="auto",
                       help="auto: every isolation layer this platform has (default); none: for debugging only")
    audit.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bar (default: when stderr is a terminal)")
    audit.add_argument("--verbose", action="store_true", help="print a line per graded notebook on stderr")


def run_authoring_command(args) -> int:
    if args.command == "new":
        from grader.authoring.scaffold import new_assignment

        folder = new_assignment(args.name, args.course, args.title)
        print(f"wrote {folder}; edit its solution and checks, then: grader validate {folder}")
        return 0
    from grader.assignments.manifest import MANIFEST
    from grader.core.errors import AssignmentError

    if not (args.path / MANIFEST).is_file():
        raise AssignmentError(f"{args.path} is not an assignment folder (no {MANIFEST}); create one with: grader new NAME")
    if args.command == "audit":
        return _audit(args)
    from grader.authoring.validate import validate

    problems = validate(args.path)
    for problem in problems:
        print(printable(str(problem)))
    from grader.authoring.old_names import old_module_names

    for file, line, old, new in old_module_names(args.path):
        print(printable(f"{file}:{line}: warning: {old} is now {new}: import it from there"), file=sys.stderr)
    print(f"{args.path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems
          else f"{args.path}: valid", file=sys.stderr)
    return 1 if problems else 0


def _audit(args) -> int:
    from grader.authoring.audit import run_audit
    from grader.authoring.audit.report import print_report, write_html, write_json
    from grader.core.errors import GraderError

    if args.workers is not None and args.workers < 1:
        raise GraderError("--workers must be at least 1")
    for name in ("cell_timeout", "call_timeout"):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            raise GraderError(f"--{name.replace('_', '-')} must be a positive number of seconds")
    log = (lambda *a, **k: print(*a, file=sys.stderr)) if args.verbose else None
    report = run_audit(args.path, workers=args.workers, cell_timeout=args.cell_timeout,
                       call_timeout=args.call_timeout, isolation=args.isolation, progress=args.progress, log=log)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = [write_json(report, args.out), write_html(report, args.out)]
    print_report(report, sys.stdout, paths)
    return 0 if report["status"] == "passed" else 1
