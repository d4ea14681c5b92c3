"""The instructor's authoring commands: ``grader new NAME``, ``grader validate PATH`` and ``grader audit PATH``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.core.text import printable


def new_arguments(new: argparse.ArgumentParser) -> None:
    new.add_argument("name", help="the assignment's name: letters, digits, underscores")
    new.add_argument("--title", default=None, help="shown to students (default: from the name)")


def folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the assignment's folder (holding assignment.toml)")


def audit_arguments(audit: argparse.ArgumentParser) -> None:
    folder_argument(audit)
    audit.add_argument("--verbose", action="store_true", help="print a line per graded notebook on stderr")


def run_new(args) -> int:
    from grader.authoring.scaffold import new_assignment

    folder = new_assignment(args.name, args.course or Path("."), args.title)
    print(f"wrote {folder}; edit its solution and checks, then: grader validate {folder}")
    return 0


def _require_folder(path: Path) -> None:
    from grader.assignments.manifest import MANIFEST
    from grader.core.errors import AssignmentError

    if not (path / MANIFEST).is_file():
        raise AssignmentError(f"{path} is not an assignment folder (no {MANIFEST}); create one with: grader new NAME")


def run_validate(args) -> int:
    _require_folder(args.path)
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


def run_audit(args) -> int:
    _require_folder(args.path)
    from grader.authoring.audit import run_audit as audit
    from grader.authoring.audit.report import print_report, write_html, write_json

    log = (lambda *a, **k: print(*a, file=sys.stderr)) if args.verbose else None
    report = audit(args.path, workers=args.workers, cell_timeout=args.cell_timeout,
                   call_timeout=args.call_timeout, isolation=args.isolation, progress=args.progress, log=log)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = [write_json(report, args.out), write_html(report, args.out)]
    print_report(report, sys.stdout, paths)
    return 0 if report["status"] == "passed" else 1
