"""The solution's outputs a release bundle ships for its public checks (it holds no solution to run).

The public checks that compare with the solution (``same_as_solution``, ``Scenario``) are run once against
the solution notebook at release; every solution output they asked for is written into the bundle's
``checks/solution-outputs/``, where the bundle's checks find them (grader/checks/solution_outputs.py).
These are the values public feedback shows as expected anyway.

The same run records the reference values (grader/assignments/reference_values.py) that the public modules'
functions returned, in the warm process (the child helpers, at import) and in the grader's (the public
checks): the bundle ships them in ``checks/reference-values/``, so ``grader check`` computes none. Gradescope's
zip and a cluster's jobs get every output and reference value that grading the solution and each listed
mistake used (``shipped_files``).

Which entries and values a grading uses depends only on the folder (its checks, modules, solution and
mistakes; seeds are fixed), so it is found by grading once per folder version and remembered beside the cached
solution outputs (``used-by-<suites>.json``): building again from an unchanged folder grades nothing.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.assignments import reference_values
from grader.assignments.manifest import PUBLIC
from grader.core.errors import GraderError
from grader.checks.solution_outputs import BUNDLED, SIGNATURES, solution_outputs

_USES_SOLUTION = ("same_as_solution", "Scenario")
_USES_REFERENCE_VALUES = "reference_value"


def uses_solution(checks: list[Path]) -> bool:
    return any(word in path.read_text(encoding="utf-8", errors="replace") for path in checks for word in _USES_SOLUTION)


def uses_reference_values(files: list[Path]) -> bool:
    """Whether any of ``files`` (modules, checks) names ``reference_value``: marks or calls a reference value."""
    return any(_USES_REFERENCE_VALUES in path.read_text(encoding="utf-8", errors="replace")
               for path in files if path.is_file())


def shipped_files(assignment) -> dict[str, bytes]:
    """Every solution and mistake output the checks ask for, and every reference value computed or read, when
    grading the solution and each listed mistake: what an autograder without the solution (Gradescope, a
    cluster's worker) needs; ``{path relative to the assignment folder: bytes}``."""
    import nbformat

    from grader.checks.mistake_notebooks import mistake_notebooks
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

    outputs = solution_outputs(assignment)

    def grade_solution_and_mistakes() -> set[str]:
        solution = nbformat.read(assignment.solution, as_version=4)
        options = GradeOptions()
        with tempfile.TemporaryDirectory(prefix="grader-outputs-") as scratch, \
                start_warm_process(assignment, options) as warm:
            grade_notebook(assignment.solution, "solution", assignment, warm, options)
            for variant_id, _, notebook in mistake_notebooks(assignment, solution):
                path = Path(scratch) / f"{variant_id}.ipynb"
                nbformat.write(notebook, path)
                grade_notebook(path, variant_id, assignment, warm, options)
            return set(warm.reference_values_used)

    used, values = remembered_uses(assignment, outputs, "all", grade_solution_and_mistakes)
    shipped = {f"{BUNDLED}/{entry}.bin": (outputs.directory / f"{entry}.bin").read_bytes() for entry in used}
    shipped[f"{BUNDLED}/{SIGNATURES}"] = _signatures(assignment).encode()
    for entry in sorted(values):
        shipped[f"{reference_values.SHIPPED}/{entry}"] = _reference_value_file(assignment, entry).read_bytes()
    return shipped


def _reference_value_file(assignment, entry: str) -> Path:
    found = reference_values.entry_file(assignment.name, assignment.version, assignment.folder, entry)
    if found is None:
        raise GraderError(f"the reference value {entry} was computed while grading the solution but is not in the "
                          f"cache ({reference_values.cache_directory(assignment.name, assignment.version)}): check "
                          "that the cache folder ($GRADER_CACHE_DIR) is writable")
    return found


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
    ``checks_dir/solution-outputs``, and the public modules' reference values used into
    ``checks_dir/reference-values``; the files written (none when no public check compares with the solution
    and no public module or check names a reference value)."""
    public_checks = sorted((assignment.checks_dir / PUBLIC).glob("*.py"))
    compares = uses_solution(public_checks)
    public_modules = [assignment.folder / name for name in assignment.public_modules]
    references = uses_reference_values([*public_checks, *public_modules])
    if not (compares or references):
        return []
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process

    outputs = solution_outputs(assignment)

    def grade_solution() -> set[str]:
        options = GradeOptions(suites=(PUBLIC,))
        with start_warm_process(assignment, options) as warm:
            grade_notebook(assignment.solution, "solution", assignment, warm, options)
            return set(warm.reference_values_used)

    used, values = remembered_uses(assignment, outputs, PUBLIC, grade_solution)
    written = _write_reference_values(assignment, checks_dir / reference_values.SHIPPED, values) if references else []
    if not compares:
        return written
    destination = checks_dir / BUNDLED
    destination.mkdir(parents=True, exist_ok=True)
    for entry in (e for e in used if e.startswith("solution-")):
        source = outputs.directory / f"{entry}.bin"
        target = destination / source.name
        target.write_bytes(source.read_bytes())
        written.append(target)
    (destination / SIGNATURES).write_text(_signatures(assignment), encoding="utf-8")
    return [*written, destination / SIGNATURES]


def _write_reference_values(assignment, destination: Path, values) -> list[Path]:
    """The reference values of ``values`` whose function is in a public module (the bundle can call no other),
    copied into ``destination``; the files written."""
    public = {f"{assignment.name}.{name.removesuffix('.py')}" for name in assignment.public_modules}
    written = []
    for entry in sorted(e for e in values if reference_values.module_of(e) in public):
        destination.mkdir(parents=True, exist_ok=True)
        target = destination / entry
        target.write_bytes(_reference_value_file(assignment, entry).read_bytes())
        written.append(target)
    return written


def remembered_uses(assignment, outputs, suites: str, grade: Callable[[], set[str]]) -> tuple[list[str], list[str]]:
    """The cached solution outputs and the reference values ``grade()`` uses (it returns the values its warm
    process used), each sorted: read from ``used-by-<suites>.json`` beside the outputs when that record is there
    and everything it names is in the cache, else found by grading and then remembered."""
    record = outputs.directory / f"used-by-{suites}.json"
    if not outputs.bundle:  # a copy without the solution reads only what it was shipped: nothing to remember
        try:
            remembered = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            remembered = None
        if _complete(assignment, outputs, remembered):
            return remembered["solution-outputs"], remembered["reference-values"]
    outputs.used.clear()
    reference_values.forget_used()
    values = grade()
    uses = sorted(outputs.used), sorted({*values, *reference_values.used()})
    if not outputs.bundle:
        record.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=record.parent, prefix=".used-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"solution-outputs": uses[0], "reference-values": uses[1]}, out, indent=1)
        os.replace(partial, record)  # atomic: a build reading it alongside never sees half a record
    return uses


def _complete(assignment, outputs, remembered) -> bool:
    if not (isinstance(remembered, dict) and set(remembered) == {"solution-outputs", "reference-values"}):
        return False
    entries, values = remembered["solution-outputs"], remembered["reference-values"]
    if not (isinstance(entries, list) and isinstance(values, list)
            and all(isinstance(name, str) for name in [*entries, *values])):
        return False
    return (all((outputs.directory / f"{entry}.bin").is_file() for entry in entries)
            and all(reference_values.entry_file(assignment.name, assignment.version, assignment.folder, value)
                    is not None for value in values))
