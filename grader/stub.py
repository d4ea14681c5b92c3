"""Making the student stub from the reference solution, so the two never drift.

Each solution region becomes its ``#> `` lines or a ``raise
NotImplementedError``; each answer cell keeps its mark and gets a placeholder;
outputs, execution counts and the author's cell metadata go. The steps are an
nbconvert preprocessor pipeline (``grader/stub_preprocessors.py``).
"""
from __future__ import annotations

import copy

import nbformat

from grader import markers
from grader.errors import GraderError


def make_stub(solution) -> nbformat.NotebookNode:
    """The stub of ``solution`` (left unchanged): its copy run through the stub pipeline."""
    from grader.stub_preprocessors import stub_pipeline

    stub, resources = copy.deepcopy(solution), {}  # type: nbformat.NotebookNode, dict
    for preprocessor in stub_pipeline():
        stub, resources = preprocessor.preprocess(stub, resources)
    return stub


def stub_source(source: str, cell_id: str) -> str:
    out, region, stub_lines, indent = [], None, [], ""  # type: list[str], int | None, list[str], str
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == markers.BEGIN_SOLUTION:
            if region is not None:
                raise GraderError(f"cell {cell_id}, line {number}: solution regions cannot nest")
            region, stub_lines, indent = number, [], line[: len(line) - len(line.lstrip())]
        elif stripped == markers.END_SOLUTION:
            if region is None:
                raise GraderError(f"cell {cell_id}, line {number}: END SOLUTION without BEGIN")
            out += stub_lines or [f'{indent}raise NotImplementedError("not implemented yet: replace this line with your code")']
            region = None
        elif region is not None:
            match = markers.STUB_LINE.match(line)
            if match:
                stub_lines.append(match.group(1) + match.group(2))
        else:
            out.append(line)
    if region is not None:
        raise GraderError(f"cell {cell_id}, line {region}: BEGIN SOLUTION is never closed")
    return "\n".join(out)


def write_stub(solution_path, stub_path) -> None:
    solution = nbformat.read(solution_path, as_version=4)
    nbformat.validate(solution)
    nbformat.write(make_stub(solution), stub_path)
