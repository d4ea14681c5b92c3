"""What the tests share: the repository's weight-decay assignment, its notebooks, and ways to vary them."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat

from grader.assignments.manifest import Limits, load_assignment
from grader.grading.pipeline import GradeOptions

ROOT = Path(__file__).resolve().parents[1]
# This repository is the course folder (solutions/, exercises/) for every command the tests run, from any folder.
os.environ["GRADER_COURSE"] = str(ROOT)
FOLDER = ROOT / "solutions" / "weight_decay"
SOLUTION = FOLDER / "weight_decay.ipynb"
STUB = ROOT / "exercises" / "weight_decay" / "weight_decay.ipynb"
ASSIGNMENT = load_assignment(FOLDER)
ASSIGNMENT.import_package()  # tests import its reference module too
# Short call limits keep tests of hanging code quick; cells keep the default.
TEST_OPTIONS = GradeOptions(limits=Limits(cell=30.0, call=3.0))


def appended(notebook, code: str):
    """The notebook with one more code cell at the end (a later definition replaces an earlier one)."""
    variant = copy.deepcopy(notebook)
    variant.cells.append(nbformat.v4.new_code_cell(code))
    return variant


def with_answer(notebook, qid: str, text: str | None):
    """The notebook with qid's answer text replaced, or its answer cell removed when text is None."""
    variant = copy.deepcopy(notebook)
    for index, cell in enumerate(variant.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(f"<!-- answer {qid} -->"):
            if text is None:
                del variant.cells[index]
            else:
                cell.source = f"<!-- answer {qid} -->\n{text}"
            return variant
    raise AssertionError(f"no answer cell for {qid}")


def replace_in_cell(notebook, cell_id: str, old: str, new: str):
    variant = copy.deepcopy(notebook)
    for cell in variant.cells:
        if cell.get("id") == cell_id:
            assert old in cell.source, f"{old!r} not in cell {cell_id}"
            cell.source = cell.source.replace(old, new)
            return variant
    raise AssertionError(f"no cell {cell_id}")


def scores(report) -> dict[str, float]:
    """Each question's points, a written answer awaiting review counted as if reviewed at full marks (the
    galleries append code cells, which cannot change a written answer)."""
    return {q.question: round(q.score + q.awaiting, 6) for q in report.questions}


def messages(report, qid: str) -> list[str]:
    return [c.outcome.message for q in report.questions if q.question == qid
            for c in q.checks if c.outcome.status == "failed"]


def in_forked_child(steps) -> dict:
    """Run ``steps(report)`` in a forked child, for what cannot be undone in the test process (a
    seccomp filter, collapsed memory); the dict it filled in, with ``error`` if it raised."""
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        report = {}
        try:
            steps(report)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            report["error"] = repr(exc)
        finally:
            os.write(result_w, json.dumps(report).encode())
            os._exit(0)
    os.close(result_w)
    with os.fdopen(result_r) as result:
        report = json.loads(result.read() or "{}")
    os.waitpid(pid, 0)
    return report
