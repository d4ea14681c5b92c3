"""Points rounded for display so that the rounded parts add up to the rounded whole.

Shares such as 2/9 of a question cannot be written exactly; rounding each on
its own makes a solution's parts add up to 13.9996 of 14. Largest-remainder
rounding (Hamilton's method) rounds the parts down and hands the units lost
to the parts that lost most, so the parts add up to the rounded total. Scores
are constrained by what a reader checks first: a part earned in full shows
its whole rounded maximum, a part earned not at all shows 0, and no part
shows more than its maximum.
"""
from __future__ import annotations

import math

PLACES = 2


def _largest_remainder(exact: list[float], target: int) -> list[int]:
    """Integers near ``exact`` (in units) that add up to ``target``."""
    floors = [math.floor(round(x, 6)) for x in exact]
    need = target - sum(floors)
    # Largest remainder first; the earlier part wins a tie, so the result does not depend on float noise.
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:max(need, 0)]:
        floors[i] += 1
    return floors


def rounded_points(scores: list[float], maxes: list[float], places: int = PLACES) -> tuple[list[float], list[float]]:
    """``scores`` and ``maxes`` rounded to ``places`` decimals: the maxima add up to the rounded total of
    the maxima, and the scores to the rounded total of the scores whenever the constraints above allow it
    (a difference can only be absorbed by parts earned in part).

    The maxima of the parts earned in full are rounded as a pool of their own, to their own rounded total,
    so a student who earns some parts in full and the rest not at all still sees the rounded score.
    """
    unit = 10 ** places
    full = [most > 0 and score >= most - 1e-9 for score, most in zip(scores, maxes)]
    top = [0] * len(maxes)
    full_target = round(sum(m for m, f in zip(maxes, full) if f) * unit)
    for pool, target in ((True, full_target), (False, round(sum(maxes) * unit) - full_target)):
        members = [i for i, f in enumerate(full) if f is pool]
        for i, value in zip(members, _largest_remainder([maxes[i] * unit for i in members], target)):
            top[i] = value
    shown, partial = [], []
    for i, score in enumerate(scores):
        if full[i]:
            shown.append(top[i])
        elif score <= 1e-9:
            shown.append(0)
        else:
            shown.append(min(math.floor(round(score * unit, 6)), top[i]))
            partial.append(i)
    need = round(sum(scores) * unit) - sum(shown)
    # Hand out (or take back) one unit at a time among the parts earned in part, by remainder.
    while need and partial:
        remainder = {i: scores[i] * unit - shown[i] for i in partial}
        if need > 0:
            candidates = sorted((i for i in partial if shown[i] < top[i]), key=lambda i: (-remainder[i], i))
        else:
            candidates = sorted((i for i in partial if shown[i] > 0), key=lambda i: (remainder[i], i))
        if not candidates:
            break
        for i in candidates[:abs(need)]:
            shown[i] += 1 if need > 0 else -1
        need = round(sum(scores) * unit) - sum(shown)
    return [round(s / unit, places) for s in shown], [round(m / unit, places) for m in top]


def total(parts: list[float], places: int = PLACES) -> float:
    """The sum of rounded parts, without float noise (0.1 + 0.2 is 0.3)."""
    return round(sum(parts), places)
