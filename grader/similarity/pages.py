"""The similarity pages: the class's list of similar pairs, and a side-by-side view of two submissions (or
one and the released solution) with the matching spans marked.

jinja2 with autoescape; student code and answers reach the page only as
escaped text in ``<pre>`` blocks, split into plain and marked runs here. The
pages carry no script at all, and their policy allows none: ``default-src
'none'`` with the one inline stylesheet allowed by its hash.
"""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import jinja2
import markupsafe

from grader.similarity.compare import NOTEBOOK, scope_label
from grader.similarity.documents import CODE
from grader.core.text import printable

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                          autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# Every value a template prints goes through printable: ids, code and answers may hold control characters.
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)
_ENV.filters["percent"] = lambda value: f"{100 * value:.0f}%"
_ENV.filters["scope"] = scope_label
STYLE = (Path(__file__).with_name("templates") / "similarity.css").read_text(encoding="utf-8")
STYLE_MARKUP = markupsafe.Markup(STYLE)  # noqa: S704 - our own stylesheet
POLICY = ("default-src 'none'; style-src 'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
          + "'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SOLUTION = None  # the other side of a pair page that shows the released solution


class FileLinks:
    """Links between the files ``write_similarity_pages`` writes: index.html and pairs/N.html."""

    def __init__(self, pairs: list[tuple[str, str | None]], inside_pairs: bool = False):
        self.numbers = {pair: n for n, pair in enumerate(pairs, 1)}
        self.prefix = "" if inside_pairs else "pairs/"
        self.up = "../" if inside_pairs else ""

    def pair(self, first: str, second: str | None) -> str:
        return f"{self.prefix}{self.numbers[(first, second)]:04d}.html"

    def index(self, student: str | None = None) -> str:
        return f"{self.up}index.html"

    students = None  # no students page among the files


def page_pairs(result) -> list[tuple[str, str | None]]:
    """Each pair of submissions a page is written for, once: student pairs, then matches with the solution."""
    seen: dict = {}
    for pair in result.comparison.pairs:
        seen.setdefault((pair.first, pair.second), None)
    for match in result.comparison.solution_matches:
        seen.setdefault((match.student, SOLUTION), None)
    return list(seen)


def render_similarity_index(result, links, student: str | None = None) -> str:
    comparison = result.comparison

    def involves(*ids):
        return student is None or student in ids
    pairs = [p for p in comparison.pairs if involves(p.first, p.second)]
    clusters = [c for c in comparison.clusters if len(c.members) > 2 and involves(*c.members)]
    matches = [m for m in comparison.solution_matches if involves(m.student)]
    from grader.similarity import compare as settings

    return _ENV.get_template("similarity_index.html.j2").render(
        assignment=result.assignment, style=STYLE_MARKUP, policy=POLICY, student=student,
        pairs=pairs, clusters=clusters, matches=matches, skipped=result.skipped, links=links,
        students=len(comparison.students), threshold=settings.THRESHOLD, min_shared=settings.MIN_SHARED,
        common_cap=settings.common_cap(len(comparison.students)), seconds=result.seconds)


def render_similarity_pair(result, first: str, second: str | None, links) -> str:
    """The side-by-side page of ``first`` and ``second`` (None: the released solution)."""
    comparison = result.comparison
    if second is SOLUTION:
        found = [{"scope": m.scope, "similarity": m.similarity, "shared": m.shared}
                 for m in comparison.solution_matches if m.student == first]
    else:
        found = [{"scope": p.scope, "similarity": p.similarity, "shared": p.shared} for p in comparison.pairs
                 if (p.first, p.second) in ((first, second), (second, first))]
    left = comparison.documents.get(first, {})
    right = comparison.solution_documents if second is SOLUTION else comparison.documents.get(second, {})
    scopes = sorted(set(left) | set(right), key=lambda s: (s[0] == "other", s[0], s[1] != CODE))
    sections = [_section(comparison, scope, left.get(scope), right.get(scope)) for scope in scopes]
    return _ENV.get_template("similarity_pair.html.j2").render(
        assignment=result.assignment, style=STYLE_MARKUP, policy=POLICY, first=first, second=second,
        found=found, sections=sections, links=links)


def _section(comparison, scope, left, right) -> dict:
    ignored = comparison.ignored.get(scope, set()) | comparison.ignored.get(NOTEBOOK, set())
    known = comparison.solution.get(scope[1], set())
    shared = (set(left.fingerprints) & set(right.fingerprints)) - ignored if left and right else set()
    return {"scope": scope, "id": f"{scope[0]}-{scope[1]}",
            "left": _runs(left, shared, known, comparison.provided_lines) if left else None,
            "right": _runs(right, shared, known, comparison.provided_lines) if right else None,
            "shared": len(shared)}


def _runs(document, shared: set, known: set, provided: frozenset) -> list[tuple[str, str]]:
    """``document.text`` as (text, mark) runs: mark is "similar" for a span both sides have, "solution" for
    one the released solution has too, "provided" for a line as the stub gives it, "" for the rest."""
    text = document.text
    marks = [""] * len(text)
    for value in shared:
        mark = "solution" if value in known else "similar"
        for start, end in document.fingerprints[value]:
            for i in range(start, min(end, len(text))):
                if marks[i] != "similar":
                    marks[i] = mark
    at = 0
    for line in text.split("\n"):
        # A k-gram that starts in a provided line and ends in the student's is theirs; its provided part is not.
        if line.strip() and line.strip() in provided:
            marks[at:at + len(line)] = ["provided"] * len(line)
        at += len(line) + 1
    runs: list[tuple[str, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            runs.append((text[start:i], marks[start]))
            start = i
    return runs


def write_similarity_pages(result, folder: Path) -> list[Path]:
    """index.html and pairs/NNNN.html under ``folder``; returns the paths written."""
    from grader.outputs import save_files

    pairs = page_pairs(result)
    save_files({"index.html": render_similarity_index(result, FileLinks(pairs))}, folder)
    inner = FileLinks(pairs, inside_pairs=True)
    files = {f"{inner.numbers[pair]:04d}.html": render_similarity_pair(result, *pair, inner) for pair in pairs}
    save_files(files, folder / "pairs")
    return [folder / "index.html"] + [folder / "pairs" / name for name in files]
