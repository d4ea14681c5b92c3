"""The comparison for the record: ``similarity.json`` (everything found, with the settings that found it)
and ``similarity.csv`` (one row per reported pair or match with the solution)."""
from __future__ import annotations

import csv
import io
import json

from grader.similarity import compare as settings
from grader.similarity.compare import scope_label

SOLUTION_LABEL = "the released solution"
CSV_COLUMNS = ("where", "question", "part", "student", "similar_to", "similarity", "shared_fingerprints",
               "sizes")


def similarity_json(result) -> str:
    comparison = result.comparison
    record = {
        "assignment": result.assignment,
        "wording": "Similar means the fingerprints of the students' own work overlap; whether anyone copied is "
                   "for a person to decide.",
        "settings": {"threshold": settings.THRESHOLD, "min_shared": settings.MIN_SHARED,
                     "min_rare": settings.MIN_RARE, "common_cap": settings.common_cap(len(comparison.students)),
                     "code_k": settings_k()[0], "code_window": settings_k()[1],
                     "text_k": settings_k()[2], "text_window": settings_k()[3]},
        "students": list(comparison.students),
        "skipped": [{"student": sid, "why": why} for sid, why in result.skipped],
        "pairs": [{"question": p.scope[0], "part": p.scope[1], "students": [p.first, p.second],
                   "similarity": round(p.similarity, 4), "shared_fingerprints": p.shared, "sizes": list(p.sizes)}
                  for p in comparison.pairs],
        "clusters": [{"question": c.scope[0], "part": c.scope[1], "students": list(c.members),
                      "strength": round(c.strength, 4)} for c in comparison.clusters],
        "similar_to_solution": [{"question": m.scope[0], "part": m.scope[1], "student": m.student,
                                 "similarity": round(m.similarity, 4), "shared_fingerprints": m.shared,
                                 "size": m.size} for m in comparison.solution_matches],
        "seconds": round(result.seconds, 3),
    }
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def settings_k() -> tuple[int, int, int, int]:
    from grader.similarity.fingerprints import CODE_K, CODE_WINDOW, TEXT_K, TEXT_WINDOW

    return CODE_K, CODE_WINDOW, TEXT_K, TEXT_WINDOW


def similarity_csv(result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in result.comparison.pairs:
        writer.writerow((scope_label(p.scope), p.scope[0], p.scope[1], _cell(p.first), _cell(p.second),
                         f"{p.similarity:.4f}", p.shared, f"{p.sizes[0]} {p.sizes[1]}"))
    for m in result.comparison.solution_matches:
        writer.writerow((scope_label(m.scope), m.scope[0], m.scope[1], _cell(m.student), SOLUTION_LABEL,
                         f"{m.similarity:.4f}", m.shared, str(m.size)))
    return out.getvalue()


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: student ids come from file names.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
