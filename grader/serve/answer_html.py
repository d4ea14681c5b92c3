"""A student's written answer (Markdown, untrusted) as HTML that can only ever be text.

markdown-it with raw HTML off escapes every tag the student typed; links,
images and link references are switched off too, so nothing in an answer
makes the reviewer's browser fetch or open an address the student chose
(they show as the text typed). The rubric's matched concepts are marked in
the text by splitting text tokens, each piece escaped on its own.
"""
from __future__ import annotations

import re

import markupsafe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from grader.text import printable

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(["image", "link", "reference", "autolink"])


def _spans(text: str, patterns) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        found.extend((m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _text_rule(renderer, tokens, idx, options, env):
    text = tokens[idx].content
    pieces, position = [], 0
    for start, end in _spans(text, env.get("patterns", ())):
        pieces += [escapeHtml(text[position:start]), '<mark class="concept">', escapeHtml(text[start:end]), "</mark>"]
        position = end
    pieces.append(escapeHtml(text[position:]))
    return "".join(pieces)


_MD.add_render_rule("text", _text_rule)


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


def answer_html(text: str, matched=()) -> markupsafe.Markup:
    """``text`` rendered as Markdown, every character of it escaped, ``matched`` concepts marked."""
    return markupsafe.Markup(_MD.render(printable(text), {"patterns": compiled(matched)}))
