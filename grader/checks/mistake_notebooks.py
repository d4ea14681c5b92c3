"""A listed mistake made in the solution: the solution notebook with the mistake's patch applied (or its
definitions appended as a last code cell), graded like any notebook to compute the mistake's outputs."""
from __future__ import annotations

import copy
import nbformat
from grader.checks.mistakes import read_mistakes


def mistake_notebooks(assignment, solution: nbformat.NotebookNode) -> list[tuple]:
    """``(id, mistake, notebook)`` for each listed mistake."""
    code = [i for i, cell in enumerate(solution.cells) if cell.cell_type == "code"]
    found = []
    for mistake in read_mistakes(assignment.folder, {q.id for q in assignment.questions}):
        notebook = copy.deepcopy(solution)
        sources = mistake.apply([solution.cells[i].source for i in code])
        for index, source in zip(code, sources):
            notebook.cells[index].source = source
        if len(sources) > len(code):
            notebook.cells.append(nbformat.v4.new_code_cell(sources[-1]))
        found.append((f"mistake-{mistake.id}", mistake, notebook))
    return found
