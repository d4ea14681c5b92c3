"""A check's feedback as plain text: the message and its evidence (for results.json, JUnit and the pages)."""
from __future__ import annotations

from grader.outputs.check_groups import CheckGroup, case_id


def check_output(outcome) -> str:
    """A check's feedback as plain text: the message and its evidence."""
    lines = [outcome.message] if outcome.message else []
    for label, value in (("input", outcome.input), ("expected", outcome.expected), ("got", outcome.got)):
        if value:
            lines.append(f"{label}: {value}")
    if outcome.location:
        loc = outcome.location
        span = f"line {loc.first}" if loc.first == loc.last else f"lines {loc.first}-{loc.last}"
        lines.append(f"see cell {loc.cell}, {span}: {loc.text.strip()}")
    return "\n".join(lines)


def group_output(group: CheckGroup) -> str:
    """A folded check's feedback: the first failing case's message (first line, as before folding), how many
    inputs failed and which, then that case's evidence."""
    shown = group.shown
    lines = check_output(shown).split("\n") if check_output(shown) else []
    if group.cases_line:
        others = [case_id(c.outcome) for c in group.failed if c.outcome is not shown]
        note = f"{group.cases_line}; shown: the first failing input, {case_id(shown)}"
        if others:
            note += f"; the others: {', '.join(others)}"
        lines.insert(1 if shown.message else 0, note)
    return "\n".join(lines)
