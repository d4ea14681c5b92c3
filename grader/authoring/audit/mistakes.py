"""The audit of ``mistakes.toml``: each listed mistake, made in the solution, must lose points in its own
question only, and its feedback must name its symptom.

A mistake notebook is the solution with the mistake's patch (or its definitions appended as a last code
cell), graded like every other audit notebook (id ``mistake-ID``). Its row says:
- ``loses points``: it earns less than every code point of its question (else no check tells it from the
  solution: a problem);
- ``named``: a failing check of its question shows its symptom (else a problem);
- ``also costs``: other questions where it loses points (a problem: one mistake, one question);
- ``named as``: other mistakes whose symptom its feedback shows instead: the checks do not tell the two
  apart (a note).
"""
from __future__ import annotations



from grader.checks.mistake_notebooks import mistake_notebooks  # noqa: F401 - re-exported

_EPSILON = 1e-9


def judge_mistake(variant, report, solution_points: dict, mistakes, problems: list, notes: list) -> dict:
    """The audit row of one mistake notebook (see the module's docstring)."""
    from grader.authoring.audit.code_points import code_points

    mistake = variant.mistake
    row = {"id": mistake.id, "question": mistake.question, "symptom": mistake.symptom}
    if report is None or report.error:
        row["status"] = "unjudged"
        problems.append(f"{variant.id} could not be graded: {report.error if report else 'no grade'}")
        return row
    points = code_points(report)
    mine = points.get(mistake.question, {"earned": 0.0, "max": 0.0})
    row["points"], row["max"] = mine["earned"], solution_points.get(mistake.question, {}).get("max", mine["max"])
    messages = [c.outcome.message for q in report.questions if q.question == mistake.question for c in q.checks
                if c.outcome.status == "failed"]
    row["loses_points"] = mine["earned"] < row["max"] - _EPSILON
    row["named"] = any(mistake.symptom in m for m in messages)
    row["also_costs"] = [q for q, p in points.items() if q != mistake.question
                         and p["earned"] < solution_points.get(q, {}).get("max", p["max"]) - _EPSILON]
    row["named_as"] = sorted({m.id for m in mistakes if m.id != mistake.id and m.question == mistake.question
                              and m.symptom != mistake.symptom and any(m.symptom in text for text in messages)})
    if not row["loses_points"]:
        problems.append(f"{mistake.question}: mistake {mistake.id!r} earns every code point: no check tells it from "
                        "the solution")
    elif not row["named"]:
        problems.append(f"{mistake.question}: mistake {mistake.id!r} loses points but no failing check names its "
                        f"symptom ({mistake.symptom[:80]!r})" + (f"; its feedback names {', '.join(row['named_as'])}"
                                                                   if row["named_as"] else ""))
    if row["also_costs"]:
        problems.append(f"mistake {mistake.id!r} of {mistake.question} also loses points in "
                        f"{', '.join(row['also_costs'])}: a mistake must cost its own question only")
    if row["named_as"]:
        notes.append(f"mistake {mistake.id!r}: its feedback also names {', '.join(row['named_as'])}: no check tells "
                     "them apart")
    row["status"] = "named" if row["loses_points"] and row["named"] and not row["also_costs"] else "problem"
    return row
