"""Every command of ``grader``, in one table: its help, the shared options it takes (declared once, in
``grader.cli.options``), its own arguments, and the function that runs it.

``build_parser()`` makes the argument parser from the table; ``grader.cli.main`` runs
``COMMANDS[name].run(args)``. Each command's module imports what it uses when it runs: torch and pytest
only where notebooks are graded, nbconvert only where a notebook or a page is written
(tests/test_single_notebook.py holds the light ones to it).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.cli import authoring, delivery, gradebook, grade, serve, similarity
from grader.cli.options import (ASSIGNMENT, CALL_TIMEOUT, CELL_TIMEOUT, COURSE, DEADLINE, ISOLATION, JUNIT, OUT,
                                PROGRESS, REQUIRE_ISOLATION, ROSTER, WORKERS, CommandLineParser, Option)


@dataclass(frozen=True)
class Command:
    """name: as typed (``gradescope build``: a group and its action). options: the shared options it takes.
    arguments: adds its own arguments to its parser. run: runs it on the parsed arguments; the exit status."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    options: tuple[Option, ...] = ()
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


GRADED_INTO = "the folder graded into (holds gradebook.sqlite)"
GRADEBOOK_ASSIGNMENT = ASSIGNMENT.where(help=ASSIGNMENT.help + " (default: the folder the gradebook was graded with)")

COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("grade", "grade notebooks; writes OUT/<id>/results.json and feedback.html", grade.run_grade,
            (OUT, ASSIGNMENT.where(help=ASSIGNMENT.help + " (default: the one the notebooks name, in the course "
                                                          "folder)"),
             COURSE, CELL_TIMEOUT, CALL_TIMEOUT, DEADLINE, JUNIT, ISOLATION, REQUIRE_ISOLATION, WORKERS, ROSTER,
             PROGRESS),
            grade.grade_arguments),
    Command("stub", "generate the student notebook from the assignment's solution", delivery.run_stub,
            (OUT.where(required=False, help="where to write it (default: the course's exercises/NAME/NOTEBOOK)"),
             COURSE),
            delivery.assignment_argument),
    Command("release", "write the student bundle: stub notebook, public checks, README", delivery.run_release,
            (OUT.where(help="a new or empty folder"), COURSE), delivery.assignment_argument),
    Command("check", "run the public checks on a notebook (for students)", delivery.run_check,
            (ASSIGNMENT.where(help="the assignment's folder (default: the release folder the notebook is in, else "
                                   "the one the notebook names, in the working folder's course)"),
             JUNIT, CELL_TIMEOUT, CALL_TIMEOUT, DEADLINE),
            delivery.check_arguments),
    Command("gradescope build", "write the autograder zip to upload to Gradescope", delivery.run_build,
            (OUT, COURSE), delivery.build_arguments),
    Command("gradescope run", "what run_autograder calls: grade ROOT/submission into ROOT/results",
            delivery.run_autograder, (), delivery.autograder_arguments),
    Command("new", "scaffold a new assignment folder (solutions/NAME/ in the course folder)", authoring.run_new,
            (COURSE,), authoring.new_arguments),
    Command("validate", "check an assignment folder: exit 1 when anything is wrong", authoring.run_validate,
            (), authoring.folder_argument),
    Command("audit", "audit the checks: do-nothing submissions must earn no code point, mutants of the solution "
                     "must lose points; exit 1 when not", authoring.run_audit,
            (OUT.where(required=False, default=Path("audit"),
                       help="where to write audit.json and audit.html (default: ./audit)"),
             WORKERS, CELL_TIMEOUT, CALL_TIMEOUT, ISOLATION, PROGRESS),
            authoring.audit_arguments),
    Command("export", "from the gradebook: an LMS CSV, and every student's files again", gradebook.run_export,
            (OUT.where(help=GRADED_INTO), ROSTER.where(help="roster CSV whose other columns go into the CSV"),
             GRADEBOOK_ASSIGNMENT, COURSE),
            gradebook.export_arguments),
    Command("review", "list written answers awaiting review, or record a review", gradebook.run_review,
            (OUT.where(help=GRADED_INTO), GRADEBOOK_ASSIGNMENT, COURSE), gradebook.review_arguments),
    Command("serve", "a local web app: class summary, feedback, and a review queue for written answers",
            serve.run_serve, (OUT.where(help=GRADED_INTO), GRADEBOOK_ASSIGNMENT, COURSE), serve.serve_arguments),
    Command("similarity", "find similar submissions in a graded class (own code and written answers, provided "
                          "code excluded); writes OUT/similarity/",
            similarity.run_similarity, (OUT.where(help=GRADED_INTO), GRADEBOOK_ASSIGNMENT, COURSE)),
)}

GROUPS = {"gradescope": "Gradescope's autograder: build the zip, or run inside it"}


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command in ``COMMANDS``; a parsed command's name is ``args.run_command``."""
    parser = CommandLineParser(prog="grader", description="Grade Jupyter notebooks of PyTorch exercises.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, Any] = {}  # a group's subparsers, by name
    for command in COMMANDS.values():
        group, _, action = command.name.partition(" ")
        if action:
            if group not in groups:
                holder = commands.add_parser(group, help=GROUPS[group])
                groups[group] = holder.add_subparsers(dest="action", required=True, metavar="ACTION")
            sub = groups[group].add_parser(action, help=command.help)
        else:
            sub = commands.add_parser(command.name, help=command.help)
        if command.arguments is not None:
            command.arguments(sub)
        for option in command.options:
            option.add_to(sub)
        sub.set_defaults(run_command=command.name)
    return parser


def option_table() -> str:
    """Which command takes which shared option, as the Markdown table README's "The CLI" shows
    (``req.``: required; tests/test_cli_options.py keeps README's copy the same)."""
    from grader.cli.options import SHARED

    names = [option.name for option in SHARED]
    lines = ["| command | " + " | ".join(f"`{name}`" for name in names) + " |",
             "|---|" + ":-:|" * len(names)]
    for command in COMMANDS.values():
        taken = {option.name: option for option in command.options}
        cells = ["" if name not in taken else "req." if taken[name].settings.get("required") else "yes"
                 for name in names]
        lines.append(f"| `{command.name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
