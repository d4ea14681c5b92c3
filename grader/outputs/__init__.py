"""What a graded submission is turned into: Gradescope's results.json and a feedback page."""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from grader.outputs.feedback import render_feedback
from grader.outputs.gradescope import gradescope_results
from grader.results import GradeReport


def write_outputs(report: GradeReport, folder: Path) -> None:
    start = time.perf_counter()
    html = render_feedback(report)
    report = dataclasses.replace(report, timings={**report.timings, "render": round(time.perf_counter() - start, 4)})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.html").write_text(html, encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(gradescope_results(report), indent=2, allow_nan=False) + "\n",
                                         encoding="utf-8")
