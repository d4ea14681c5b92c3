"""Feedback hook: the student's lambda sweep (recorded by q3's reference-sweep check) drawn beside the
reference curve, under q3 in the feedback page."""
from __future__ import annotations

import functools
import io
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import LogLocator, NullLocator  # noqa: E402

from weight_decay import reference  # noqa: E402


def _points(rows, key):
    pts = [(r.get("lambd"), r.get(key)) for r in rows if isinstance(r, dict)]
    return [(x, y) for x, y in pts if isinstance(x, (int, float)) and isinstance(y, float)
            and math.isfinite(y) and y > 0]


def feedback_figures(question: str, extras: dict) -> list[dict]:
    """The figures shown under ``question``: the sweep, when q3's check recorded one."""
    rows = extras.get("sweep")
    if question != "q3" or not isinstance(rows, list):
        return []
    return [{"png": sweep_png(rows), "alt": "Your lambda sweep beside the reference curve",
             "caption": "Your sweep (solid) beside the reference (dashed), on the reference task."}]


def warm_up() -> None:
    """Called by the grader ahead of a first page (beside the notebook's cells when one notebook is graded):
    the reference sweep every figure draws (read from the grader's cache of reference values: trained once
    per version of this folder)."""
    reference.reference_sweep()


def sweep_png(student_rows) -> bytes:
    return _sweep_png(tuple(_points(student_rows, "train_loss")), tuple(_points(student_rows, "val_loss")))


@functools.lru_cache(maxsize=32)
def _sweep_png(train: tuple, val: tuple) -> bytes:
    # Keyed by the points drawn: correct submissions share one sweep (seeds are fixed), so a class's
    # pages mostly reuse a few images instead of drawing each again.
    student = {"train_loss": train, "val_loss": val}
    ref = reference.reference_sweep()
    fig = Figure(figsize=(6, 3.6), dpi=100)
    ax = fig.add_subplot()
    for key, colour, name in (("train_loss", "tab:blue", "train"), ("val_loss", "tab:orange", "validation")):
        rx, ry = zip(*_points(ref, key))
        ax.plot(rx, ry, color=colour, linestyle="--", alpha=0.6, label=f"reference {name}")
        mine = student[key]
        if mine:
            sx, sy = zip(*mine)
            ax.plot(sx, sy, color=colour, marker="o", label=f"your {name}")
    ax.set_xlabel("lambda")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    # The losses span many decades: minor ticks on each would cost most of the page's render time.
    ax.yaxis.set_major_locator(LogLocator(numticks=8))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(fontsize="small")
    fig.subplots_adjust(left=0.13, right=0.97, top=0.96, bottom=0.14)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
