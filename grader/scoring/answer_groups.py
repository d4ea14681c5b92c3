"""Answer groups: the written answers to one question gathered by similarity, largest group first, so a
reviewer judges a group of near-identical answers once.

An answer is first normalised (``normalise``: Unicode NFKC, case folded, Markdown emphasis and
punctuation dropped, whitespace collapsed); answers equal after that are one group. Distinct normalised
texts are then joined to the first group whose leader they resemble closely: rapidfuzz's token-sort
ratio, 0-100, at least ``NEAR`` (a typo, a word swapped or added in a long answer). Leaders are taken
largest first, and a text joins a leader, never a member, so a chain of small differences never drags
unlike answers together. Empty answers form their own group.

``identical_answers`` is the class summary's signal: written answers (awaiting review or reviewed)
written identically (after normalisation) by several students.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from grader.core.records import REVIEW, REVIEWED

NEAR = 90
_MARKUP = re.compile(r"[*_`#>~\[\]()|]+")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """``text`` as groups compare it: what a reviewer would call the same answer gives the same string.
    Kept per text: the class summary asks again on every request, and normalising is ~0.25 ms a page."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCTUATION.sub(" ", _MARKUP.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class AnswerGroup:
    """Answers to one question judged alike.

    id: stable while the answers are (a digest of the question and the leader's text); question;
    leader: the normalised text the others resemble; members: (student id, answer text) in queue order,
    the leader's own answers first; exact: how many members' normalised text equals the leader's.
    """

    id: str
    question: str
    leader: str
    members: tuple[tuple[str, str], ...]
    exact: int

    @property
    def students(self) -> tuple[str, ...]:
        return tuple(student for student, _ in self.members)

    def __len__(self) -> int:
        return len(self.members)


def group_answers(question: str, answers) -> tuple[AnswerGroup, ...]:
    """``answers`` ((student id, text) pairs of one question, in queue order) in groups, largest first
    (ties: the group whose first member comes first in the queue)."""
    answers = list(answers)
    forms = [normalise(text) for _, text in answers]
    counts = Counter(forms)
    first_seen = {form: n for n, form in reversed(list(enumerate(forms)))}
    leaders: list[str] = []
    joined: dict[str, str] = {}
    for form in sorted(counts, key=lambda f: (-counts[f], first_seen[f])):
        if form and leaders:
            match = process.extractOne(form, leaders, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR,
                                       processor=None)
            if match is not None and match[0]:
                joined[form] = match[0]
                continue
        leaders.append(form)
        joined[form] = form
    members: dict[str, list[tuple[str, str]]] = {leader: [] for leader in leaders}
    for (student, text), form in zip(answers, forms):
        members[joined[form]].append((student, text))
    groups = []
    for leader, found in members.items():
        found.sort(key=lambda m: normalise(m[1]) != leader)  # stable: the leader's own answers first
        digest = hashlib.sha256(f"{question}\0{leader}".encode()).hexdigest()[:16]
        groups.append(AnswerGroup(digest, question, leader, tuple(found), counts[leader]))
    order = {student: n for n, (student, _) in enumerate(answers)}
    return tuple(sorted(groups, key=lambda g: (-len(g), min(order[s] for s in g.students))))


@dataclass(frozen=True)
class IdenticalAnswers:
    """One question's non-empty answers written identically by several students: how many such texts,
    how many students wrote one of them, and the largest set of students."""

    question: str
    texts: int
    students: int
    largest: tuple[str, ...]


def _written(report, question: str) -> bool:
    """Whether ``report`` holds a written answer to ``question`` for a person to score (not a missing or
    untouched answer cell)."""
    return any(c.outcome.status in (REVIEW, REVIEWED) for q in report.questions if q.question == question
               for c in q.checks)


def identical_answers(reports, questions) -> tuple[IdenticalAnswers, ...]:
    """Per question (in ``questions``' order) with any: the identical written answers of ``reports``."""
    found = []
    for question in questions:
        by_text: dict[str, list[str]] = {}
        for report in reports:
            if not _written(report, question):
                continue
            answer = report.answers.get(question)
            form = normalise(getattr(answer, "text", "") or "") if answer is not None else ""
            if form:
                by_text.setdefault(form, []).append(report.submission_id)
        shared = [students for students in by_text.values() if len(students) > 1]
        if shared:
            largest = max(shared, key=len)
            found.append(IdenticalAnswers(question, len(shared), sum(map(len, shared)), tuple(sorted(largest))))
    return tuple(found)
