"""What a graded submission is turned into: Gradescope's results.json and a feedback page."""
from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from grader.outputs.feedback import render_feedback
from grader.outputs.notebook_html import graded_notebook
from grader.core.records import GradeReport
from grader.outputs.gradescope_results import gradescope_results


def render_outputs(report: GradeReport, assignment=None, graded: bytes | None = None) -> tuple[GradeReport, dict[str, str]]:
    """The report with its render time added, and the texts of its files by name (``assignment``
    adds its feedback figures). The feedback page shows the graded notebook, rendered again from its
    file (``report.source``) while that file is unchanged, or from ``graded`` (the bytes just graded,
    which a cluster worker holds while the file is on the driver); otherwise it says why it cannot."""

    start = time.perf_counter()
    notebook = graded_notebook(report, graded)
    html = render_feedback(report, assignment, notebook)
    report = dataclasses.replace(report, timings={**report.timings, "render": round(time.perf_counter() - start, 4)})
    results = json.dumps(gradescope_results(report), indent=2, allow_nan=False) + "\n"
    return report, {"feedback.html": html, "results.json": results}


def save_files(files: dict[str, str], folder: Path) -> None:
    """Write each file whole or not at all (a temporary file renamed over the old one)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        partial = folder / f".{name}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, folder / name)


def write_outputs(report: GradeReport, folder: Path, assignment=None) -> None:
    save_files(render_outputs(report, assignment)[1], folder)
