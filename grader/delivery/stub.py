"""Making the student stub from the reference solution, so the two never drift.

Each solution region becomes its ``#> `` lines or a ``raise
NotImplementedError``; each answer cell keeps its mark and gets a placeholder;
outputs, execution counts and the author's cell metadata go. The steps are an
nbconvert preprocessor pipeline (``grader/delivery/stub_preprocessors.py``).
"""
from __future__ import annotations

import copy

import nbformat

from grader.delivery.stub_text import stub_source  # noqa: F401 - re-exported
from grader.delivery.stub_preprocessors import stub_pipeline


def make_stub(solution) -> nbformat.NotebookNode:
    """The stub of ``solution`` (left unchanged): its copy run through the stub pipeline."""

    stub, resources = copy.deepcopy(solution), {}  # type: nbformat.NotebookNode, dict
    for preprocessor in stub_pipeline():
        stub, resources = preprocessor.preprocess(stub, resources)
    return stub


def write_stub(solution_path, stub_path) -> None:
    solution = nbformat.read(solution_path, as_version=4)
    nbformat.validate(solution)
    nbformat.write(make_stub(solution), stub_path)
