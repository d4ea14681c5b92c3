"""The student stub as an nbconvert preprocessor pipeline, in the order it runs.

nbconvert's own preprocessors do the generic part (outputs, execution counts,
cell metadata); two small ones of ours do what only this project's marks mean
(``grader/assignments/markers.py``): solution regions and written-answer cells. Imported
lazily by ``grader.delivery.stub``: nbconvert takes over half a second to import, and
most ``grader`` commands never make a stub.
"""
from __future__ import annotations

from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor, Preprocessor

from grader.assignments import markers
from grader.delivery.stub_text import stub_source

# Cell metadata a stub keeps: what the author set for students (tags, lock flags, slide roles). The rest
# (execution timings, collapsed/hidden states of the author's session) says nothing to a student.
KEPT_CELL_METADATA = frozenset({"tags", "editable", "deletable", "slideshow", "name"})


class SolutionRegionsPreprocessor(Preprocessor):
    """Each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region of a code cell becomes its ``#> `` lines,
    or a ``raise NotImplementedError`` at the marker's indentation."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source, cell.get("id", "?"))
        return cell, resources


class AnswerPlaceholderPreprocessor(Preprocessor):
    """Each written-answer cell keeps its ``<!-- answer ID -->`` line; the answer becomes the placeholder."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and markers.answer_question(cell.source):
            mark = cell.source.lstrip("\n").split("\n", 1)[0]
            cell.source = f"{mark}\n{markers.ANSWER_PLACEHOLDER}"
        return cell, resources


def stub_pipeline() -> list[Preprocessor]:
    """The preprocessors that turn a solution notebook into its stub, in order."""
    return [
        SolutionRegionsPreprocessor(),
        AnswerPlaceholderPreprocessor(),
        ClearOutputPreprocessor(),
        # The notebook's metadata stays: metadata.grader names the assignment the stub belongs to.
        ClearMetadataPreprocessor(clear_notebook_metadata=False, preserve_cell_metadata_mask=set(KEPT_CELL_METADATA)),
    ]
