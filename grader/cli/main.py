"""``grader COMMAND``: parse the command line (the commands and their options: grader/cli/commands.py), run
the command, and turn a GraderError into one line on stderr and exit status 2."""
from __future__ import annotations

import sys

from grader.cli.commands import COMMANDS, build_parser
from grader.core.errors import GraderError
from grader.core.text import printable


def main(argv=None) -> int:
    """Run ``grader ARGV``; the exit status (0 after ``--help``, 2 after a usage error, whose one line is
    printed), so that a caller in Python gets a status whatever went wrong."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    try:
        return COMMANDS[args.run_command].run(args)
    except GraderError as exc:
        print(f"grader: {printable(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
