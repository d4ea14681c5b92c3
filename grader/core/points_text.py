"""Points as every output writes them: a score to two decimals, as the pages show it; "1 point", "2 points"."""
from __future__ import annotations


def score_line(score: float, max_score: float) -> str:
    """``7.86 / 11``: the score as the pages show it (two decimals), the maximum as authored."""
    return f"{score:.2f} / {max_score:g}"


def points(value: float, spec: str = "g") -> str:
    """``value`` formatted by ``spec`` with "point" or "points", as English has it."""
    shown = format(value, spec)
    return f"{shown} point" if shown in ("1", "1.0", "1.00") else f"{shown} points"
