"""The options several commands share, each declared once with its validation.

A command lists the options it takes (``grader.cli.commands.COMMANDS``); every command then parses an
option the same way and rejects the same bad value the same way: argparse turns the ``ArgumentTypeError``
of a ``parse`` function into exit status 2 and one line on stderr, e.g.
``grader grade: error: argument --cell-timeout: a number of seconds > 0, got '0'``.
README's "Command line" section shows which command takes which option.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from grader.sandbox.student_side.isolation import LEVELS, PROCESS

if TYPE_CHECKING:
    from grader.assignments.manifest import Assignment, Limits


class CommandLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the command, the option, what is wrong) and exit status 2:
    the usage block argparse prints first would bury it; ``--help`` still shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"a number of seconds > 0, got {text!r}")
    return value


def positive_count(text: str) -> int:
    """A whole number, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number >= 1, got {text!r}")
    return value


@dataclass(frozen=True)
class Option:
    """One command-line option: its flags, how its text becomes a value (``parse`` raises
    ``argparse.ArgumentTypeError`` saying what is wrong), its default and help. ``settings`` are the rest
    of argparse's keywords (``action``, ``choices``, ``required``, ``metavar``...).

    A command may ``.where(help=..., required=..., default=...)`` to say what the option means for it:
    the flags and the parsing stay the ones declared here."""

    flags: tuple[str, ...]
    help: str
    parse: Callable[[str], Any] | None = None
    default: Any = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.flags[0]

    @property
    def dest(self) -> str:
        return self.flags[0].lstrip("-").replace("-", "_")

    def where(self, **changes: Any) -> "Option":
        """This option as one command takes it: another ``help``, ``default`` or ``required``."""
        unknown = set(changes) - {"help", "default", "required"}
        if unknown:
            raise TypeError(f"{self.name}: only help, default and required vary by command, not {sorted(unknown)}")
        settings = dict(self.settings)
        if "required" in changes:
            settings["required"] = changes.pop("required")
        return dataclasses.replace(self, settings=settings, **changes)

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        keywords = dict(self.settings)
        if self.parse is not None:
            keywords["type"] = self.parse
        if not keywords.get("required"):
            keywords["default"] = self.default
        parser.add_argument(*self.flags, dest=self.dest, help=self.help, **keywords)


OUT = Option(("--out",), "output folder", Path, settings={"required": True})
ASSIGNMENT = Option(("--assignment",), "the assignment's folder (holding assignment.toml), or its name in the course "
                    "folder", settings={"metavar": "PATH"})
COURSE = Option(("--course",), "the course folder holding solutions/NAME/ (default: the working folder)", Path,
                settings={"metavar": "DIR"})
CELL_TIMEOUT = Option(("--cell-timeout",), "seconds each code cell may run (default: the manifest's [limits] "
                      "cell_timeout)", positive_seconds, settings={"metavar": "SECONDS"})
CALL_TIMEOUT = Option(("--call-timeout",), "seconds each call a check makes may run (default: the manifest's "
                      "[limits] call_timeout)", positive_seconds, settings={"metavar": "SECONDS"})
DEADLINE = Option(("--deadline",), "the whole run's time budget: when it runs low, the remaining cells and checks "
                  "are not run (they score 0, saying so) and the results are still written in time",
                  positive_seconds, settings={"metavar": "SECONDS"})
WORKERS = Option(("--workers",), f"worker processes grading at once (default: the machine's cores, {os.cpu_count()})",
                 positive_count, settings={"metavar": "N"})
PROGRESS = Option(("--progress",), "progress bar (default: when stderr is a terminal; else a line per submission)",
                  settings={"action": argparse.BooleanOptionalAction})
ISOLATION = Option(("--isolation",), "auto: every isolation layer this platform has (default); none: plain child "
                   "processes, for debugging only", default="auto", settings={"choices": ("auto", "none")})
REQUIRE_ISOLATION = Option(("--require-isolation",), "refuse to grade when the platform isolates below this level "
                           "(servers: full)", default=PROCESS, settings={"choices": LEVELS})
JUNIT = Option(("--junit",), "also write JUnit XML here (one testcase per check)", Path, settings={"metavar": "FILE"})
ROSTER = Option(("--roster",), "CSV with columns file,student_id (and any others)", Path, settings={"metavar": "CSV"})

SHARED = (OUT, ASSIGNMENT, COURSE, CELL_TIMEOUT, CALL_TIMEOUT, DEADLINE, WORKERS, PROGRESS, ISOLATION,
          REQUIRE_ISOLATION, JUNIT, ROSTER)


def limits_from(args: argparse.Namespace, assignment: "Assignment") -> "Limits":
    """The time limits a command runs with: ``--cell-timeout`` and ``--call-timeout`` where given, each
    other one the manifest's (the one place this fallback is made)."""
    return assignment.limits.with_overrides(cell=getattr(args, "cell_timeout", None),
                                            call=getattr(args, "call_timeout", None))
