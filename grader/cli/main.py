"""``grader COMMAND``: parse the command line (the commands and their options: grader/cli/commands.py), run
the command, and turn a GraderError into one line on stderr and exit status 2."""
from __future__ import annotations

import atexit
import gc
import sys

from grader.cli.commands import COMMANDS, build_parser
from grader.core.errors import GraderError
from grader.core.text import printable

# At the interpreter's exit (after the command's threads are joined and before its last garbage collections),
# every object left is frozen, so that those collections skip them. A command that graded has torch, pytest
# and nbconvert loaded; collecting their millions of objects once more, only to free memory the exit frees
# anyway, costs ~0.4-0.8 s of CPU after the last file is written: what one notebook's grading waits for last.
# Every file the command writes is closed by then, and exit handlers (temporary folders) still run.
atexit.register(gc.freeze)


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
