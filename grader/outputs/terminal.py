"""The self-check in a terminal: a coloured table on a TTY (rich), plain lines otherwise.

Messages carry student-derived text (exception messages, values, code
lines); ``grader.core.text.printable`` turns every control character into a
visible escape, so a submission cannot move the cursor, recolour or rewrite
the terminal, or spoof a line of the summary.
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.outputs.evidence import check_output
from grader.core.records import PASSED, PENDING
from grader.core.text import printable

_STYLES = {"passed": "bold green", "failed": "bold red", "review": "bold blue", "pending": "bold yellow"}
_LABELS = {"passed": "PASS", "failed": "FAIL", "review": "REVIEW", "pending": "LATER"}


def _details(check) -> str:
    if check.outcome.status in (PASSED, PENDING):
        return ""
    return printable(check_output(check.outcome))


def headline(result) -> str:
    """The closing lines: public verdict, then what is still to be judged (never "all tests passed")."""
    report = result.report
    if report.error:
        return f"{printable(report.error)}\nNot checked: fix the file and run the check again."
    lines = [f"Public checks: {result.passed} of {len(result.public)} passed, "
             f"{result.public_score:.2f} of {result.public_max:.2f} points."]
    if result.pending:
        lines.append(f"Still to be judged after you submit: {result.pending_points:.2f} of {report.max_score:g} "
                     f"points ({result.pending_checks} hidden checks and the review of written answers).")
    if result.feedback:
        lines.append(f"Feedback page: {printable(result.feedback)}")
    return "\n".join(lines)


def _problems(report) -> list[str]:
    return [f"Cell {f.cell}: {f.error}" for f in report.cell_failures] + list(report.notes) + list(report.cell_notes)


def plain_summary(result) -> str:
    """Plain text: one line per check, its feedback indented below it."""
    report = result.report
    lines = [f"{printable(result.notebook)}: public checks of {report.assignment} (version {report.assignment_version})"]
    lines += [f"! {printable(p)}" for p in _problems(report)]
    for question in report.questions:
        for check in question.checks:
            outcome = check.outcome
            lines.append(f"{_LABELS.get(outcome.status, outcome.status):6} {question.question}  "
                         f"{printable(outcome.name)}  {check.score:.2f} / {check.max_score:.2f}")
            lines += ["       " + line for line in _details(check).split("\n") if line]
    lines.append(headline(result))
    return "\n".join(lines)


def rich_table(result) -> Table:
    table = Table(title=Text(f"Public checks: {printable(result.notebook)}"), title_justify="left", expand=False,
                  show_lines=True)
    table.add_column("", no_wrap=True)
    table.add_column("q", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("points", justify="right", no_wrap=True)
    for question in result.report.questions:
        for check in question.checks:
            status = check.outcome.status
            cell = Text(printable(check.outcome.name))
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
        console.print(Text("! " + printable(problem), style="yellow"))
    if not result.report.error:
        console.print(rich_table(result))
    console.print(Text(headline(result), style="bold"))
