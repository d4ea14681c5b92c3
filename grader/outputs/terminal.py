"""The self-check in a terminal: a coloured table on a TTY (rich), plain lines otherwise.

Messages carry student-derived text (exception messages, values, code
lines); ``neutralise`` turns every control character but the newline into a
visible escape, so a submission cannot move the cursor, recolour or rewrite
the terminal, or spoof a line of the summary.
"""
from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.outputs.gradescope import check_output

# C0 and C1 controls (ESC included) and Unicode's direction overrides and invisible formatting marks.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_STYLES = {"passed": "bold green", "failed": "bold red", "review": "bold blue", "pending": "bold yellow"}
_LABELS = {"passed": "PASS", "failed": "FAIL", "review": "REVIEW", "pending": "LATER"}


def neutralise(text: str) -> str:
    def escape(match):
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, str(text))


def _details(check) -> str:
    if check.outcome.status in ("passed", "pending"):
        return ""
    return neutralise(check_output(check.outcome))


def headline(result) -> str:
    """The closing lines: public verdict, then what is still to be judged (never "all tests passed")."""
    report = result.report
    if report.error:
        return f"{neutralise(report.error)}\nNot checked: fix the file and run the check again."
    lines = [f"Public checks: {result.passed} of {len(result.public)} passed, "
             f"{result.public_score:.2f} of {result.public_max:.2f} points."]
    if result.pending:
        lines.append(f"Still to be judged after you submit: {result.pending_points:.2f} of {report.max_score:g} "
                     f"points ({result.pending_checks} hidden checks and the review of written answers).")
    if result.feedback:
        lines.append(f"Feedback page: {neutralise(result.feedback)}")
    return "\n".join(lines)


def _problems(report) -> list[str]:
    return [f"Cell {f.cell}: {f.error}" for f in report.cell_failures] + list(report.notes) + list(report.cell_notes)


def plain_summary(result) -> str:
    """Plain text: one line per check, its feedback indented below it."""
    report = result.report
    lines = [f"{neutralise(result.notebook)}: public checks of {report.assignment} (version {report.assignment_version})"]
    lines += [f"! {neutralise(p)}" for p in _problems(report)]
    for question in report.questions:
        for check in question.checks:
            outcome = check.outcome
            lines.append(f"{_LABELS.get(outcome.status, outcome.status):6} {question.question}  "
                         f"{neutralise(outcome.name)}  {check.score:.2f} / {check.max_score:.2f}")
            lines += ["       " + line for line in _details(check).split("\n") if line]
    lines.append(headline(result))
    return "\n".join(lines)


def rich_table(result) -> Table:
    table = Table(title=Text(f"Public checks: {neutralise(result.notebook)}"), title_justify="left", expand=False,
                  show_lines=True)
    table.add_column("", no_wrap=True)
    table.add_column("q", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("points", justify="right", no_wrap=True)
    for question in result.report.questions:
        for check in question.checks:
            status = check.outcome.status
            cell = Text(neutralise(check.outcome.name))
            details = _details(check)
            if details:
                cell.append("\n" + details, style="dim" if status != "failed" else "")
            table.add_row(Text(_LABELS.get(status, status), style=_STYLES.get(status, "")), question.question, cell,
                          Text(f"{check.score:.2f} / {check.max_score:.2f}"))
    return table


def print_summary(result, file, tty: bool | None = None) -> None:
    """A coloured table when ``file`` is a terminal (or ``tty`` says so), plain text otherwise."""
    tty = file.isatty() if tty is None else tty
    if not tty:
        print(plain_summary(result), file=file)
        return
    console = Console(file=file, force_terminal=True, highlight=False)
    for problem in _problems(result.report):
        console.print(Text("! " + neutralise(problem), style="yellow"))
    if not result.report.error:
        console.print(rich_table(result))
    console.print(Text(headline(result), style="bold"))
