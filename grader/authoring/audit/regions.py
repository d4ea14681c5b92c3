"""The solution notebook as the audit sees it: code cells parsed with libcst, their solution regions, and
which question each piece of region code belongs to.

A region is the code between a ``### BEGIN SOLUTION`` and an ``### END SOLUTION`` line of a code cell
(the markers of ``grader/assignments/markers.py``). Its ``#> `` lines are comments, never code, so nothing here
touches them. A node belongs to a question by name: the outermost function or class of the cell that
encloses it is one the manifest's ``names`` list for that question (``forward`` of ``DropoutMLP`` belongs
to the question of ``DropoutMLP``). Region code outside any function or class (a module-level
assignment, a helper of another name) belongs to the question of the names the same region defines, else
to the question of the nearest markdown heading above the cell that names one (``## q1: ...``,
``## Question 1 — ...``); when none of these says, the audit stops and names the cell and line.

IPython lines (``%matplotlib inline``, ``!pip ...``) are not Python: before parsing, each becomes a
``pass`` line carrying a token, and the token's line is put back in every source the audit writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
import nbformat
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from grader.assignments import markers
from grader.assignments.manifest import Assignment
from grader.core.errors import GraderError


class AuditError(GraderError):
    """The solution notebook cannot be audited as it is (a region of no known question, a cell that is not
    Python); the message names the cell and line."""


@dataclass(frozen=True)
class Region:
    """One solution region: ``begin`` and ``end`` are the marker lines (1-based, in the cell); ``ordinal``
    its position among the cell's regions (0-based)."""

    begin: int
    end: int
    ordinal: int

    def holds(self, first: int, last: int) -> bool:
        return self.begin < first and last < self.end


def regions_of(source: str) -> list[Region]:
    """The cell's solution regions, in order (markers as ``grader stub`` reads them)."""
    found, begin = [], None  # type: list[Region], int | None
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == markers.BEGIN_SOLUTION and begin is None:
            begin = number
        elif stripped == markers.END_SOLUTION and begin is not None:
            found.append(Region(begin, number, len(found)))
            begin = None
    return found


_MAGIC_LINE = re.compile(r"^(\s*)[%!]")
_MAGIC_TOKEN = "__grader_audit_ipython_line_{}__"


@dataclass
class ParsedCell:
    """A code cell holding solution regions, parsed.

    index: its position in ``notebook.cells`` (0-based); number: 1-based, as feedback names cells;
    cell_id: its id (or ``cell-NUMBER``); questions: by id, the manifest's questions (for names).
    """

    index: int
    number: int
    cell_id: str
    source: str
    regions: list[Region]
    heading_question: str | None
    name_questions: dict[str, str]
    magics: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        lines = self.source.split("\n")
        for i, line in enumerate(lines):
            match = _MAGIC_LINE.match(line)
            if match:
                token = _MAGIC_TOKEN.format(len(self.magics))
                self.magics[token] = line
                lines[i] = f"{match.group(1)}pass  # {token}"
        try:
            module = cst.parse_module("\n".join(lines))
        except cst.ParserSyntaxError as exc:
            raise AuditError(f"cell {self.number} ({self.cell_id}), line {exc.raw_line}: is not Python the audit "
                             f"can parse ({exc.message}); the cells holding solution regions must be plain Python "
                             "apart from whole-line % and ! commands") from None
        self.wrapper = MetadataWrapper(module)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)

    # --- where a node is --------------------------------------------------------------------
    def lines_of(self, node: cst.CSTNode) -> tuple[int, int, int]:
        """(first line, last line, column) of a node of this cell's module."""
        where = self.positions[node]
        return where.start.line, where.end.line, where.start.column

    def region_of(self, node: cst.CSTNode) -> Region | None:
        if node not in self.positions:
            return None
        first, last, _ = self.lines_of(node)
        return next((r for r in self.regions if r.holds(first, last)), None)

    def ancestors(self, node: cst.CSTNode):
        while node in self.parents:
            node = self.parents[node]
            yield node

    def outermost_definition(self, node: cst.CSTNode):
        """The module-level function or class enclosing ``node`` (or ``node`` itself), or None."""
        found = node if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else None
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                found = ancestor
        return found

    def question_of(self, node: cst.CSTNode) -> str:
        """The question the region code ``node`` belongs to (see the module's docstring)."""
        definition = self.outermost_definition(node)
        if definition is not None and definition.name.value in self.name_questions:
            return self.name_questions[definition.name.value]
        region = self.region_of(node)
        defined = {self.name_questions[n] for n in self._names_defined_in(region) if n in self.name_questions}
        if len(defined) == 1:
            return defined.pop()
        if self.heading_question:
            return self.heading_question
        first, _, _ = self.lines_of(node)
        raise AuditError(f"cell {self.number} ({self.cell_id}), line {first}: the solution region's code belongs to "
                         "no question: define it inside a function or class that a question's `names` lists in "
                         "assignment.toml, or put the cell under a heading naming the question (## q1: ...)")

    def _names_defined_in(self, region: Region | None) -> set[str]:
        names: set[str] = set()
        if region is None:
            return names
        for statement in self.module.body:
            first, last, _ = self.lines_of(statement)
            if not region.holds(first, last):
                continue
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                names.add(statement.name.value)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                        names.update(t.value for t in targets if isinstance(t, cst.Name))
        return names

    # --- writing back ---------------------------------------------------------------------------
    def code(self, module: cst.Module) -> str:
        """The source of ``module`` (this cell, changed) with its IPython lines put back."""
        text = module.code
        if not self.magics:
            return text
        lines = text.split("\n")
        for i, line in enumerate(lines):
            for token, original in self.magics.items():
                if token in line:
                    lines[i] = original
        return "\n".join(lines)


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")


def _heading_question(markdown: str, ids: set[str]) -> str | None:
    """The question a markdown cell's last heading names (``## q1: ...``, ``## Question 1 — ...``), or None."""
    found = None
    for line in markdown.split("\n"):
        match = _HEADING.match(line)
        if not match:
            continue
        words = match.group(1).split()
        first = words[0].rstrip(":.—-") if words else ""
        if first in ids:
            found = first
        elif first.lower() == "question" and len(words) > 1 and f"q{words[1].rstrip(':.—-')}" in ids:
            found = f"q{words[1].rstrip(':.—-')}"
    return found


def parse_solution(notebook: nbformat.NotebookNode, assignment: Assignment) -> list[ParsedCell]:
    """Every code cell of the solution that holds a solution region, parsed."""
    name_questions = {name: q.id for q in assignment.questions for name in q.names}
    ids = {q.id for q in assignment.questions}
    cells, heading = [], None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            heading = _heading_question(cell.source, ids) or heading
            continue
        if cell.cell_type != "code":
            continue
        regions = regions_of(cell.source)
        if regions:
            cells.append(ParsedCell(index, index + 1, cell.get("id") or f"cell-{index + 1}", cell.source, regions,
                                    heading, name_questions))
    return cells
