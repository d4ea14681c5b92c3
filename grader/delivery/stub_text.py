"""One cell's source with each solution region replaced by its stub lines (text only, no notebook)."""
from __future__ import annotations

from grader.assignments import markers
from grader.core.errors import GraderError


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
