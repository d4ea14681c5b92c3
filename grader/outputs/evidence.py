"""A check's feedback as plain text: the message and its evidence (for results.json, JUnit and the pages)."""
from __future__ import annotations


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
