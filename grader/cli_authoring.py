"""The instructor's authoring commands: ``grader new NAME`` and ``grader validate PATH``."""
from __future__ import annotations

import sys
from pathlib import Path

from grader.text import printable

AUTHORING_COMMANDS = ("new", "validate")


def add_authoring_commands(commands) -> None:
    new = commands.add_parser("new", help="scaffold a new assignment folder (solutions/NAME/ in the course folder)")
    new.add_argument("name", help="the assignment's name: letters, digits, underscores")
    new.add_argument("--course", type=Path, default=Path("."), help="the course folder (default: the working folder)")
    new.add_argument("--title", default=None, help="shown to students (default: from the name)")
    validate = commands.add_parser("validate", help="check an assignment folder: exit 1 when anything is wrong")
    validate.add_argument("path", type=Path, help="the assignment's folder (holding assignment.toml)")


def run_authoring_command(args) -> int:
    if args.command == "new":
        from grader.scaffold import new_assignment

        folder = new_assignment(args.name, args.course, args.title)
        print(f"wrote {folder}; edit its solution and checks, then: grader validate {folder}")
        return 0
    from grader.assignment import MANIFEST
    from grader.errors import AssignmentError
    from grader.validate import validate

    if not (args.path / MANIFEST).is_file():
        raise AssignmentError(f"{args.path} is not an assignment folder (no {MANIFEST}); create one with: grader new NAME")
    problems = validate(args.path)
    for problem in problems:
        print(printable(str(problem)))
    print(f"{args.path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems
          else f"{args.path}: valid", file=sys.stderr)
    return 1 if problems else 0
