"""Whether the rubric's suggestion may be shown to a reviewer, and why not.

The suggestion is the share of the rubric's concepts (regular expressions) an answer mentions, so an
answer made mostly of those keywords would get full marks suggested for saying nothing. When at least
``STUFFED`` of an answer's words sit inside a concept's match, the review page shows no suggestion and
says why; the reviewer reads and scores the answer. The suggestion is only ever a hint: it never fills
the score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.serve.answer_html import compiled

STUFFED = 0.5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SuggestionHint:
    """shown: whether to show the suggestion; reason: why not (for the reviewer), "" when shown."""

    shown: bool
    reason: str = ""


def keyword_share(text: str, concepts) -> tuple[int, int]:
    """(words inside a match of any of ``concepts``, words) of ``text``."""
    spans = [(m.start(), m.end()) for pattern in compiled(concepts) for m in pattern.finditer(text) if m.end() > m.start()]
    words = list(_WORD.finditer(text))
    inside = sum(1 for w in words if any(start < w.end() and w.start() < end for start, end in spans))
    return inside, len(words)


def suggestion_hint(text: str, concepts, matched) -> SuggestionHint:
    if not matched:
        return SuggestionHint(True)
    inside, words = keyword_share(text, concepts)
    if words and inside / words >= STUFFED:
        return SuggestionHint(False, f"No suggestion: {inside} of this answer's {words} words are the rubric's own "
                                     "keywords, so counting them says nothing. Read it and score it yourself.")
    return SuggestionHint(True)
