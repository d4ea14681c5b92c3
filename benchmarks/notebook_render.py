"""What showing the notebook costs: rendering it into the feedback page, and printing the written answers' PDF.

Prints, for the solution notebook (and the same notebook with plot outputs
added, as a student's run one has), the median seconds of

  (a)  render_notebook: nbconvert's HTMLExporter, cleaning and MathML, per
       feedback page (paid by `grader grade` and `grader export` per student),
       and once more with no formula's MathML cached (a class's first page);
  (b)  what the notebook adds to one feedback page (render_outputs with the
       notebook's file present, less render_feedback alone), against (a);
  (c)  the written-answers PDF (page + Chromium launch + print), per
       `grader check --written-pdf`.

Run from the repository root:

    .venv/bin/python benchmarks/notebook_render.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.assignments.manifest import load_assignment  # noqa: E402
from grader.outputs import render_outputs  # noqa: E402
from grader.outputs.feedback import render_feedback  # noqa: E402
from grader.outputs.notebook_html import render_notebook  # noqa: E402
from grader.outputs.safe_html import tex_to_mathml  # noqa: E402
from grader.core.records import GradeReport  # noqa: E402


def median_seconds(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def with_plots(notebook, count: int = 4):
    """The notebook with ``count`` matplotlib PNG outputs, as a run notebook carries them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(100), [i * i for i in range(100)])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    png = base64.b64encode(buffer.getvalue()).decode()
    ran = nbformat.reads(nbformat.writes(notebook), as_version=4)
    codes = [c for c in ran.cells if c.cell_type == "code"][:count]
    for cell in codes:
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    return ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    assignment = load_assignment(ROOT / "solutions" / "weight_decay")
    solution = nbformat.read(assignment.solution, as_version=4)
    render_notebook(solution)  # imports and template compilation, once per process
    for label, notebook in (("solution", solution), ("solution + 4 plots", with_plots(solution))):
        seconds = median_seconds(lambda notebook=notebook: render_notebook(notebook), args.repeat)
        print(f"(a) render_notebook, {label}: {seconds:.3f} s ({len(render_notebook(notebook)) / 1024:.0f} KiB)")
    # Formulas' MathML is cached across renders (a class shares its instructions): the first page pays it all.
    seconds = median_seconds(lambda: (tex_to_mathml.cache_clear(), render_notebook(solution)), args.repeat)
    print(f"(a) render_notebook, solution, no formula cached yet: {seconds:.3f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.ipynb"
        nbformat.write(solution, path)
        report = GradeReport(submission_id="s", source=str(path), assignment=assignment.name,
                             assignment_version="v", sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                             questions=())
        without = median_seconds(lambda: render_feedback(report), args.repeat)
        with_notebook = median_seconds(lambda: render_outputs(report), args.repeat)
        print(f"(b) the notebook adds {with_notebook - without:.3f} s to a feedback page "
              f"(file read, hash checked, rendered)")
        from grader.outputs.pdf import html_to_pdf
        from grader.outputs.written_answers import written_answers_page

        pdf = Path(folder) / "written.pdf"
        seconds = median_seconds(lambda: html_to_pdf(written_answers_page(path, assignment).html, pdf),
                                 max(2, args.repeat // 2))
        print(f"(c) written-answers PDF: {seconds:.2f} s ({pdf.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
