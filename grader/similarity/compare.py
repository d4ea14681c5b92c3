"""Pairs of similar submissions, found through an index of fingerprints rather than by comparing every pair.

For each scope (a question's code, a question's written answer, the ``other``
code, and the whole notebook) the fingerprints of every student's document go
into one inverted index: fingerprint -> the students who have it. Only
students who share at least ``MIN_RARE`` fingerprints that are neither common
nor the released solution's are ever compared; a fingerprint held by more
than ``common_cap(n)`` students of a scope is common there (how the task is
usually done, not evidence of a pair; MOSS's ``-m``). Cost: one pass over the
fingerprints, plus the square of each kept fingerprint's posting list, which
the cap bounds.

Every document first loses the fingerprints of the stub (provided code and
placeholders): what is left is the student's own work. The solution is
compared on its own: a student whose own work mostly matches it is listed as
similar to the solution. Between two students, what the solution also has is
left out too, so two students who both handed in the released solution are
not a pair.

A pair's similarity in a scope is ``shared / min(|A|, |B|)`` over their own
fingerprints less the solution's: the share of the smaller document found in
the larger (a copy of one question inside a longer notebook scores 1 for that
question). It is reported when the similarity is at least ``THRESHOLD`` and
they share at least ``MIN_SHARED`` fingerprints (both per kind: code,
written, whole notebook), so two tiny answers written the same obvious way
are not a pair.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from grader.similarity.documents import CODE, WRITTEN

# Measured on a generated class (tests/similarity_class.py, 40 independent students): planted copies score
# 0.97-1 in code and over the notebook, a lightly paraphrased answer 0.93; independent students at most 0.86 in
# a question's code, 0.53 over the notebook, 0.70 in a written answer. A question whose own code is under
# MIN_SHARED fingerprints (about a dozen lines) cannot be told from the usual way of writing it (independent
# one-liners agree at 1.0): such small pieces count in the whole notebook only. A fingerprint held by more
# than COMMON_MIN (or 5% of the class) students is common; 10 is MOSS's default, and a group of copies up to
# that size is still found.
THRESHOLD = {CODE: 0.9, WRITTEN: 0.75, "all": 0.8}
MIN_SHARED = {CODE: 25, WRITTEN: 8, "all": 25}
MIN_RARE = 3
COMMON_MIN, COMMON_FRACTION = 10, 0.05
NOTEBOOK = ("notebook", "all")


def common_cap(documents: int) -> int:
    """A fingerprint held by more documents of a scope than this is common there and ignored."""
    return max(COMMON_MIN, math.ceil(COMMON_FRACTION * documents))


def scope_label(scope: tuple[str, str]) -> str:
    return "whole notebook" if scope == NOTEBOOK else f"{scope[0]} {scope[1]}"


@dataclass(frozen=True)
class Pair:
    """Two students similar in a scope: ``similarity`` (0-1) is ``shared`` fingerprints over the smaller
    document's ``sizes``; both counted without the provided code's and the solution's fingerprints."""

    scope: tuple[str, str]
    first: str
    second: str
    similarity: float
    shared: int
    sizes: tuple[int, int]


@dataclass(frozen=True)
class SolutionMatch:
    """A student whose own work in ``scope`` is mostly the reference solution's: ``similarity`` is the share
    of their ``size`` own fingerprints (provided code excluded) that the solution has too."""

    scope: tuple[str, str]
    student: str
    similarity: float
    shared: int
    size: int


@dataclass(frozen=True)
class Cluster:
    """Students linked by reported pairs in one scope; ``strength`` is their strongest pair's similarity."""

    scope: tuple[str, str]
    members: tuple[str, ...]
    strength: float


@dataclass(frozen=True)
class Comparison:
    """What the comparison found, and what the side-by-side views need to show why.

    pairs, clusters, solution_matches: reported, strongest first. students: the ids compared.
    documents: student id -> scope -> Document. solution_documents: scope -> the solution's Document.
    ignored: scope -> fingerprints that never count there (provided, common).
    solution: kind -> the solution's fingerprints. provided_lines: the stub's lines, stripped (shown as
    provided, never marked).
    """

    pairs: tuple[Pair, ...]
    clusters: tuple[Cluster, ...]
    solution_matches: tuple[SolutionMatch, ...]
    students: tuple[str, ...]
    documents: dict = field(repr=False)
    solution_documents: dict = field(repr=False)
    ignored: dict = field(repr=False)
    solution: dict = field(repr=False)
    provided_lines: frozenset = field(default=frozenset(), repr=False)


def compare_class(documents: dict, stub: dict, solution: dict) -> Comparison:
    """Every student (``documents``: id -> scope -> Document) against the others and against ``solution``
    (scope -> Document), the ``stub``'s fingerprints (scope -> Document) excluded."""
    provided = _by_kind(stub)
    reference = _by_kind(solution)
    own = {sid: {scope: set(doc.fingerprints) - provided[scope[1]] for scope, doc in docs.items()}
           for sid, docs in documents.items()}
    for scopes in own.values():
        # The whole notebook: every part's fingerprints together (code and text hash apart: winnow's salt).
        scopes[NOTEBOOK] = set().union(*scopes.values()) if scopes else set()
    matches = _solution_matches(own, reference)
    by_scope: dict = defaultdict(dict)
    for sid, scopes in own.items():
        for scope, prints in scopes.items():
            if prints:
                by_scope[scope][sid] = prints
    pairs, ignored = [], {}
    for scope, members in by_scope.items():
        kinds = (CODE, WRITTEN) if scope == NOTEBOOK else (scope[1],)
        known = set().union(*(reference[kind] for kind in kinds))
        found, common = _scope_pairs(scope, members, known)
        pairs += found
        ignored[scope] = common | set().union(*(provided[kind] for kind in kinds))
    pairs.sort(key=lambda p: (-p.similarity, -p.shared, p.scope, p.first, p.second))
    return Comparison(tuple(pairs), tuple(_clusters(pairs)), tuple(matches), tuple(sorted(documents)),
                      documents=documents, solution_documents=solution, ignored=ignored, solution=reference,
                      provided_lines=frozenset(line.strip() for doc in stub.values() for line in doc.text.split("\n")
                                               if line.strip()))


def _by_kind(documents: dict) -> dict[str, set]:
    kinds: dict[str, set] = {CODE: set(), WRITTEN: set()}
    for scope, doc in documents.items():
        kinds[scope[1]] |= set(doc.fingerprints)
    return kinds


def _solution_matches(own: dict, reference: dict) -> list[SolutionMatch]:
    matches = []
    for sid, scopes in own.items():
        for scope, prints in scopes.items():
            if scope == NOTEBOOK:
                continue
            shared = len(prints & reference[scope[1]])
            if prints and shared >= MIN_SHARED[scope[1]] and shared / len(prints) >= THRESHOLD[scope[1]]:
                matches.append(SolutionMatch(scope, sid, shared / len(prints), shared, len(prints)))
    matches.sort(key=lambda m: (-m.similarity, -m.shared, m.scope, m.student))
    return matches


def _scope_pairs(scope, members: dict, known: set) -> tuple[list[Pair], set]:
    """The reported pairs of one scope, and its common fingerprints. Candidates come from the index of
    each student's own fingerprints that are neither common nor the solution's: two students who share
    only the usual way or the released way of writing it are never compared at all."""
    postings = defaultdict(list)
    for sid in sorted(members):
        for value in members[sid]:
            postings[value].append(sid)
    cap = common_cap(len(members))
    common = {value for value, holders in postings.items() if len(holders) > cap}
    rare: dict = defaultdict(int)
    for value, holders in postings.items():
        if 1 < len(holders) <= cap and value not in known:
            for i, first in enumerate(holders):
                for second in holders[i + 1:]:
                    rare[(first, second)] += 1
    threshold, least = THRESHOLD[scope[1]], MIN_SHARED[scope[1]]
    pairs = []
    for (first, second), evidence in rare.items():
        if evidence < MIN_RARE:
            continue
        a, b = members[first] - known, members[second] - known
        shared = len(a & b)
        similarity = shared / min(len(a), len(b))
        if shared >= least and similarity >= threshold:
            pairs.append(Pair(scope, first, second, similarity, shared, (len(a), len(b))))
    return pairs, common


def _clusters(pairs: list[Pair]) -> list[Cluster]:
    parent: dict = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    strongest: dict = {}
    for pair in pairs:
        a, b = root((pair.scope, pair.first)), root((pair.scope, pair.second))
        parent[a] = b
    for pair in pairs:
        key = root((pair.scope, pair.first))
        strongest[key] = max(strongest.get(key, 0.0), pair.similarity)
    groups: dict = defaultdict(set)
    for key in list(parent):
        groups[root(key)].add(key[1])
    clusters = [Cluster(key[0], tuple(sorted(members)), strongest[key]) for key, members in groups.items()]
    clusters.sort(key=lambda c: (-c.strength, -len(c.members), c.scope, c.members))
    return clusters
