"""The command line: `grader COMMAND`, one module per group of commands."""
from grader.cli.main import main

__all__ = ["main"]
