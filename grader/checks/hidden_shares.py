"""What an assignment's hidden checks weigh, known without running them.

A student's self-check runs only the public checks, yet must score them with
their real share of each question and say how many points are still to be
judged. The hidden checks' weights are read once, by collecting them with
pytest (nothing runs), on the instructor's side; the release bundle carries
them as ``checks/manifest.json``, names and source left out.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.assignments.manifest import BUNDLE_MANIFEST as MANIFEST
from grader.assignments.manifest import HIDDEN, Assignment
from grader.core.errors import GraderError


@dataclass(frozen=True)
class HiddenShare:
    """question: its id; checks: how many hidden checks it has; weight: their summed ``points`` weight;
    written_checks and written: how many of them are written-answer checks (scored by a person) and their
    weight."""

    question: str
    checks: int
    weight: float
    written_checks: int = 0
    written: float = 0.0


def collect_hidden_shares(assignment: Assignment) -> tuple[HiddenShare, ...]:
    """Collect the assignment's hidden checks and sum their weights per question."""
    hidden = assignment.checks_dir / HIDDEN
    if not hidden.is_dir():
        raise GraderError(f"no hidden checks in {assignment.checks_dir}: this needs the instructor's assignment "
                          "folder, not a student's release")
    shares: dict[str, HiddenShare] = {}
    from grader.checks.weights import collect_weights  # pytest and torch: not for a bundle's manifest

    for check in collect_weights(assignment, [HIDDEN]):
        old = shares.get(check.question, HiddenShare(check.question, 0, 0.0))
        shares[check.question] = HiddenShare(check.question, old.checks + 1, old.weight + check.weight,
                                             old.written_checks + check.written,
                                             old.written + (check.weight if check.written else 0.0))
    order = [q.id for q in assignment.questions]
    return tuple(sorted(shares.values(), key=lambda s: order.index(s.question)))


def write_manifest(checks_dir: Path, assignment: Assignment, shares: tuple[HiddenShare, ...]) -> Path:
    """A release bundle's ``checks/manifest.json``: the version released and the hidden checks' weights."""
    path = checks_dir / MANIFEST
    path.write_text(json.dumps({"assignment": assignment.name, "version": assignment.version,
                                "hidden": [asdict(s) for s in shares]}, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(checks_dir: Path) -> tuple[str, str, tuple[HiddenShare, ...]]:
    """(assignment name, version, hidden shares) from a release bundle's ``checks/manifest.json``."""
    try:
        data = json.loads((checks_dir / MANIFEST).read_text(encoding="utf-8"))
        shares = tuple(HiddenShare(str(s["question"]), int(s["checks"]), float(s["weight"]),
                                   int(s.get("written_checks", 0)), float(s.get("written", 0)))
                       for s in data["hidden"])
        return str(data["assignment"]), str(data["version"]), shares
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraderError(f"{checks_dir / MANIFEST} is unreadable ({exc}); get the checks folder again "
                          "from the course's release") from None
