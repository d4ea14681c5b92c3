"""The solution's outputs a release bundle ships for its public checks (it holds no solution to run).

The public checks that compare with the solution (``same_as_solution``, ``Scenario``) are run once against
the solution notebook at release; every solution output they asked for is written into the bundle's
``checks/solution-outputs/``, where the bundle's checks find them (grader/checks/solution_outputs.py).
These are the values public feedback shows as expected anyway.

Which entries a grading asks for depends only on the folder (its checks, solution and mistakes; seeds are
fixed), so it is found by grading once per folder version and remembered beside the cached entries
(``used-by-<suites>.json``): building again from an unchanged folder grades nothing.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.assignments.manifest import PUBLIC
from grader.checks.solution_outputs import BUNDLED, SIGNATURES, solution_outputs

_USES_SOLUTION = ("same_as_solution", "Scenario")


def uses_solution(checks: list[Path]) -> bool:
    return any(word in path.read_text(encoding="utf-8", errors="replace") for path in checks for word in _USES_SOLUTION)


def all_outputs(assignment) -> dict[str, bytes]:
    """Every solution and mistake output the checks ask for when grading the solution and each listed
    mistake: what an autograder without the solution (Gradescope) needs; ``{file name: bytes}``."""
    import nbformat

    from grader.checks.mistake_notebooks import mistake_notebooks
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

    outputs = solution_outputs(assignment)

    def grade_solution_and_mistakes() -> None:
        solution = nbformat.read(assignment.solution, as_version=4)
        options = GradeOptions()
        with tempfile.TemporaryDirectory(prefix="grader-outputs-") as scratch, \
                start_warm_process(assignment, options) as warm:
            grade_notebook(assignment.solution, "solution", assignment, warm, options)
            for variant_id, _, notebook in mistake_notebooks(assignment, solution):
                path = Path(scratch) / f"{variant_id}.ipynb"
                nbformat.write(notebook, path)
                grade_notebook(path, variant_id, assignment, warm, options)

    used = entries_used(outputs, "all", grade_solution_and_mistakes)
    shipped = {f"{entry}.bin": (outputs.directory / f"{entry}.bin").read_bytes() for entry in used}
    return dict(shipped, **{SIGNATURES: _signatures(assignment).encode()})


def _signatures(assignment) -> str:
    """Every solution function's and method's parameter names, as JSON (read from the solution's source)."""
    import ast

    from grader.assignments.read_notebook import read_submission

    found = {}
    for cell in read_submission(assignment.solution, assignment).code_cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = [a.arg for a in node.args.args]
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        found[f"{node.name}.{item.name}"] = [a.arg for a in item.args.args][1:]
    return json.dumps(found, sort_keys=True, indent=1) + "\n"


def write_bundled_outputs(assignment, checks_dir: Path) -> list[Path]:
    """Grade the solution with the public checks and write the solution outputs they used into
    ``checks_dir/solution-outputs``; the files written (none when no public check compares with the solution)."""
    if not uses_solution(sorted((assignment.checks_dir / PUBLIC).glob("*.py"))):
        return []
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

    outputs = solution_outputs(assignment)

    def grade_solution() -> None:
        options = GradeOptions(suites=(PUBLIC,))
        with start_warm_process(assignment, options) as warm:
            grade_notebook(assignment.solution, "solution", assignment, warm, options)

    used = entries_used(outputs, PUBLIC, grade_solution)
    destination = checks_dir / BUNDLED
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in (e for e in used if e.startswith("solution-")):
        source = outputs.directory / f"{entry}.bin"
        target = destination / source.name
        target.write_bytes(source.read_bytes())
        written.append(target)
    (destination / SIGNATURES).write_text(_signatures(assignment), encoding="utf-8")
    return [*written, destination / SIGNATURES]


def entries_used(outputs, suites: str, grade: Callable[[], None]) -> list[str]:
    """The cached entries ``grade()`` asks ``outputs`` for, sorted: read from ``used-by-<suites>.json`` in the
    cache when that list is there and every entry it names is too, else found by grading and then written."""
    record = outputs.directory / f"used-by-{suites}.json"
    if outputs.bundle:  # a copy without the solution reads only what it was shipped: nothing to remember
        outputs.used.clear()
        grade()
        return sorted(outputs.used)
    try:
        remembered = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        remembered = None
    if (isinstance(remembered, list) and all(isinstance(entry, str) for entry in remembered)
            and all((outputs.directory / f"{entry}.bin").is_file() for entry in remembered)):
        return remembered
    outputs.used.clear()
    grade()
    used = sorted(outputs.used)
    record.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=record.parent, prefix=".used-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(used, out, indent=1)
    os.replace(partial, record)  # atomic: a build reading it alongside never sees half a list
    return used
