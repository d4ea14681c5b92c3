"""A student's written answer (Markdown, untrusted) as the feedback page typesets it, concepts marked.

One renderer for both pages: ``notebook_html.render_markdown`` (nbconvert's
Markdown with math held out of it, the student's raw HTML cleaned to an
allowlist, so a ``<script>`` or an ``onerror`` shows as text or goes) and
server-side MathML; so a formula reads the same to the reviewer as to the
student, with no Markdown emphasis or escapes applied inside it. The rubric's
matched concepts are then marked in the text between tags, never inside a
formula or an attribute.
"""
from __future__ import annotations

import re

import markupsafe
from bs4 import BeautifulSoup, NavigableString, PageElement

from grader.outputs.notebook_html import render_markdown
from grader.outputs.safe_html import MathHoles
from grader.core.text import printable

# Text a concept is never marked in: the formulas' tokens (until MathML replaces them), code.
_UNMARKED = {"code", "pre", "script", "style"}


def _spans(text: str, patterns, holes_prefix: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        found.extend((m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start())
    held = [(m.start(), m.end()) for m in re.finditer(re.escape(holes_prefix) + r"\d+x", text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if any(start < h_end and h_start < end for h_start, h_end in held):
            continue  # inside a formula
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def compiled(patterns) -> tuple[re.Pattern, ...]:
    """The rubric's regular expressions, case-insensitive as the rubric applies them; any that do not
    compile are left unmarked rather than failing the page."""
    found = []
    for pattern in patterns:
        try:
            found.append(re.compile(pattern, re.I))
        except re.error:
            continue
    return tuple(found)


def _marked(html: str, patterns, holes_prefix: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for text in list(soup.find_all(string=True)):
        if not isinstance(text, NavigableString) or any(p.name in _UNMARKED for p in text.parents):
            continue
        spans = _spans(str(text), patterns, holes_prefix)
        if not spans:
            continue
        pieces: list[PageElement] = []
        position = 0
        for start, end in spans:
            pieces.append(NavigableString(text[position:start]))
            mark = soup.new_tag("mark", attrs={"class": "concept"})
            mark.string = text[start:end]
            pieces.append(mark)
            position = end
        pieces.append(NavigableString(text[position:]))
        for piece in pieces:
            text.insert_before(piece)
        text.extract()
    return str(soup)


def answer_html(text: str, matched=()) -> markupsafe.Markup:
    """``text`` rendered as the feedback page renders Markdown, ``matched`` concepts marked."""
    holes = MathHoles()
    html = render_markdown(printable(text), holes)
    patterns = compiled(matched)
    if patterns:
        html = _marked(html, patterns, f"mathhole{holes._nonce}x")
    return markupsafe.Markup(holes.fill(html))
