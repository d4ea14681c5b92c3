"""The stub is built by an nbconvert preprocessor pipeline, and is what it was before: the committed
exercises/ of both assignments, byte for byte."""
import copy

import nbformat
import pytest
from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor

from helpers import ROOT
from grader.assignments import markers
from grader.delivery.stub import make_stub
from grader.delivery.stub_preprocessors import stub_pipeline


@pytest.mark.parametrize("name", ["weight_decay", "dropout"])
def test_pipeline_output_equals_the_committed_exercise(name):
    solution = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    before = nbformat.writes(solution)
    stub = nbformat.writes(make_stub(solution)) + "\n"  # what nbformat.write puts in the file
    assert stub == (ROOT / "exercises" / name / f"{name}.ipynb").read_text(encoding="utf-8")
    assert nbformat.writes(solution) == before, "make_stub changed the solution it was given"


def test_pipeline_is_nbconverts_clearing_after_our_marks():
    steps = [type(step) for step in stub_pipeline()]
    assert steps[-2:] == [ClearOutputPreprocessor, ClearMetadataPreprocessor]
    assert [s.__name__ for s in steps[:2]] == ["SolutionRegionsPreprocessor", "AnswerPlaceholderPreprocessor"]


def test_run_solution_loses_outputs_counts_and_session_metadata_but_keeps_tags(solution_nb):
    """A solution saved after running it: the stub shows none of the author's outputs or session state."""
    ran = copy.deepcopy(solution_nb)
    code = next(c for c in ran.cells if c.cell_type == "code" and markers.BEGIN_SOLUTION in c.source)
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="the reference answer: 0.25\n")]
    code.metadata.update({"tags": ["q1"], "execution": {"iopub.execute_input": "2026-01-01T00:00:00Z"},
                          "collapsed": True, "jupyter": {"source_hidden": True}})
    stub = make_stub(ran)
    same = next(c for c in stub.cells if c.id == code.id)
    assert same.outputs == [] and same.execution_count is None
    assert dict(same.metadata) == {"tags": ["q1"]}
    assert markers.BEGIN_SOLUTION not in same.source and "NotImplementedError" in same.source
    assert stub.metadata.grader == solution_nb.metadata.grader
    assert "0.25" not in nbformat.writes(stub)
