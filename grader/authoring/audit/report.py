"""What an audit found, judged and written: ``audit.json``, ``audit.html`` and a table in the terminal.

Judgement:
- the solution must earn every code point (otherwise nothing else means anything);
- each do-nothing submission must earn no code point in the question it targets (``nothing-all-*``: in any
  question);
- a mutant is killed when it earns less than every code point of its question, survives when it earns them
  all; a survivor the instructor listed in ``audit-equivalent.toml`` is equivalent instead, shown with its
  reason and left out of the score; a mutant that could not be graded is unjudged;
- a question's mutation score is killed / (mutants - equivalent - unjudged), and must reach the manifest's
  ``[audit] mutation_threshold``;
- each mistake of ``mistakes.toml`` loses points in its own question only and is named by its symptom
  (grader/authoring/audit/mistakes.py);
- an answer replayed from the public checks (grader/authoring/audit/replayed.py) earns no more, in any hidden
  check, than its baseline (the same function raising).
The audit fails (exit 1) when any of these does not hold, or a notebook could not be graded.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import jinja2
import markupsafe
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.assignments.manifest import Assignment
from grader.authoring.audit.equivalent import FILENAME, toml_entry
from grader.authoring.audit.mistakes import judge_mistake
from grader.authoring.audit.nothing import ALL
from grader.authoring.audit.code_points import SOLUTION_ID, code_points
from grader.core.text import printable

_EPSILON = 1e-9
_TEMPLATES = Path(__file__).resolve().parents[2] / "outputs" / "templates"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)


def build_report(assignment: Assignment, variants, code_questions, notes, reports, equivalents, settings,
                 wall_time) -> dict:
    """The audit's findings as a JSON-ready dict (see the module's docstring for the judgement)."""
    problems: list[str] = []
    notes = list(notes)
    solution = _solution(reports.get(SOLUTION_ID), code_questions, problems)
    nothing = [_nothing(v, reports.get(v.id), code_questions, problems) for v in variants if v.kind == "nothing"]
    problems += _nothing_problems(nothing)
    mutants = [_mutant(v, reports.get(v.id), solution, equivalents, notes) for v in variants if v.kind == "mutant"]
    generated = {m["id"]: m for m in mutants}
    for entry in equivalents.values():
        if entry.id not in generated:
            notes.append(f"{FILENAME} lists {entry.id} ({entry.question}), which is no mutant of the current solution: "
                         "remove or update the entry")
        elif generated[entry.id]["question"] != entry.question:
            notes.append(f"{FILENAME} lists {entry.id} under {entry.question}, but it mutates "
                         f"{generated[entry.id]['question']}")
    listed = [v.mistake for v in variants if v.kind == "mistake"]
    mistakes = [judge_mistake(v, reports.get(v.id), solution["points"], listed, problems, notes)
                for v in variants if v.kind == "mistake"]
    replayed = _replayed(variants, reports, problems)
    questions = [_question(q, assignment, code_questions, solution, nothing, mutants, problems)
                 for q in assignment.questions]
    unjudged = [m["notebook"] for m in mutants if m["status"] == "unjudged"]
    if unjudged:
        problems.append(f"{len(unjudged)} mutant(s) could not be graded ({', '.join(unjudged[:5])}"
                        f"{', ...' if len(unjudged) > 5 else ''}): run the audit again")
    return {
        "assignment": assignment.name, "title": assignment.title, "version": assignment.version,
        "folder": str(assignment.folder), "threshold": assignment.mutation_threshold, "settings": settings,
        "wall_time_s": round(wall_time, 1), "notebooks": len(variants),
        "status": "failed" if problems else "passed", "problems": problems, "notes": notes,
        "solution": solution, "questions": questions, "nothing": nothing, "mutants": mutants,
        "mistakes": mistakes, "replayed": replayed,
    }


def _solution(report, code_questions, problems) -> dict:
    if report is None or report.error:
        problems.append(f"the solution could not be graded: {report.error if report else 'no grade'}")
        return {"graded": False, "points": {}}
    points = code_points(report)
    for qid in code_questions:
        got = points.get(qid, {"earned": 0, "max": 0, "failing": []})
        if got["earned"] < got["max"] - _EPSILON:
            problems.append(f"{qid}: the solution earns {got['earned']:.2f} of {got['max']:.2f} code points (failing: "
                            f"{'; '.join(got['failing'])}): mutants of it cannot be judged")
    failures = [f"cell {f.cell}: {f.error}" for f in report.cell_failures]
    if failures:
        problems.append("cells of the solution fail: " + "; ".join(failures))
    return {"graded": True, "points": {q: {"earned": p["earned"], "max": p["max"]} for q, p in points.items()}}


def _nothing(variant, report, code_questions, problems) -> dict:
    targets = code_questions if variant.question == ALL else [variant.question]
    row = {"id": variant.id, "question": variant.question, "body": variant.body, "points": {}, "earning": []}
    if report is None or report.error:
        row["status"] = "unjudged"
        problems.append(f"{variant.id} could not be graded: {report.error if report else 'no grade'}")
        return row
    points = code_points(report)
    row["points"] = {q: points[q]["earned"] for q in targets if q in points}
    row["earning"] = [{"question": q, **check} for q in targets if q in points for check in points[q]["earning"]]
    row["status"] = "earns points" if any(v > _EPSILON for v in row["points"].values()) else "nothing earned"
    return row


def _nothing_problems(nothing: list[dict]) -> list[str]:
    """One problem per check that gives points to do-nothing submissions, naming them."""
    by_check: dict[tuple, list] = {}
    for row in nothing:
        for check in row["earning"]:
            key = (check["question"], check["check"], check["origin"])
            by_check.setdefault(key, []).append((row["id"], check["points"]))
    problems = []
    for (question, check, origin), rows in by_check.items():
        most = max(points for _, points in rows)
        problems.append(f"{question}: {origin}: {check!r} gives up to {most:.2f} code points to {len(rows)} do-nothing "
                        f"submission(s): {', '.join(sorted(variant for variant, _ in rows))}")
    return problems


def _replayed(variants, reports, problems) -> list[dict]:
    """Each replayed answer against its baseline; one problem per check that gives such answers points."""
    rows, by_check = [], {}  # type: list[dict], dict[tuple, list]
    for variant in (v for v in variants if v.kind == "replayed" and v.body != "baseline"):
        report = reports.get(variant.id)
        baseline = reports.get(f"replayed-{variant.question}-{variant.function}-baseline")
        row = {"id": variant.id, "question": variant.question, "function": variant.function, "earning": []}
        if report is None or report.error or baseline is None or baseline.error:
            row["status"] = "unjudged"
            problems.append(f"{variant.id} could not be graded (or its baseline): run the audit again")
            rows.append(row)
            continue
        before = {(c.outcome.name, c.outcome.origin): c.score for q in baseline.questions for c in q.checks
                  if q.question == variant.question and not c.outcome.written}
        for question in report.questions:
            for check in question.checks:
                key = (check.outcome.name, check.outcome.origin)
                if question.question == variant.question and not check.outcome.written \
                        and check.outcome.visibility != "visible" and check.score > before.get(key, 0.0) + _EPSILON:
                    row["earning"].append({"check": key[0], "origin": key[1], "points": round(check.score, 6)})
                    by_check.setdefault((variant.question, *key), []).append((variant.id, check.score))
        row["status"] = "earns points" if row["earning"] else "nothing earned"
        rows.append(row)
    for (question, check, origin), earning in by_check.items():
        problems.append(f"{question}: {origin}: {check!r} gives up to {max(p for _, p in earning):.2f} code points to "
                        f"{len(earning)} answer(s) replayed from the public checks' expected values: "
                        f"{', '.join(sorted(v for v, _ in earning))}")
    return rows


def _mutant(variant, report, solution, equivalents, notes) -> dict:
    mutant = variant.mutant
    row = {"id": mutant.id, "notebook": variant.id, "question": mutant.question, "operator": mutant.operator,
           "description": mutant.description, "cell": mutant.cell, "cell_id": mutant.cell_id, "line": mutant.line,
           "column": mutant.column, "change": mutant.change, "diff": mutant.diff, "killed_by": []}
    full = solution["points"].get(mutant.question, {}).get("max")
    if report is None or report.error or full is None:
        row["status"] = "unjudged"
        return row
    points = code_points(report).get(mutant.question, {"earned": 0.0, "max": full, "failing": []})
    row["points"], row["max"] = points["earned"], full
    if points["earned"] < full - _EPSILON:
        row["status"], row["killed_by"] = "killed", points["failing"]
        if mutant.id in equivalents:
            notes.append(f"{FILENAME} lists {mutant.id} ({mutant.question}) as equivalent, but the checks kill it "
                         f"({points['failing'][0] if points['failing'] else 'it loses points'}): remove the entry")
    elif mutant.id in equivalents:
        row["status"], row["reason"] = "equivalent", equivalents[mutant.id].reason
    else:
        row["status"] = "survived"
        row["allowlist_entry"] = toml_entry(mutant.question, mutant.id, mutant.change)
    return row


def _question(question, assignment, code_questions, solution, nothing, mutants, problems) -> dict:
    row = {"id": question.id, "title": question.title, "audited": question.id in code_questions,
           "threshold": assignment.mutation_threshold}
    if not row["audited"]:
        return row
    mine = [m for m in mutants if m["question"] == question.id]
    counts = {status: sum(m["status"] == status for m in mine)
              for status in ("killed", "survived", "equivalent", "unjudged")}
    judged = len(mine) - counts["equivalent"] - counts["unjudged"]
    earned = [n["points"].get(question.id, 0.0) for n in nothing if n["question"] in (question.id, ALL)]
    row.update(code_points=solution["points"].get(question.id, {}).get("max"), mutants=len(mine), **counts,
               nothing_max=max(earned) if earned else None, nothing_submissions=len(earned),
               score=round(counts["killed"] / judged, 4) if judged else None)
    row["passed"] = row["score"] is None or row["score"] >= assignment.mutation_threshold - _EPSILON
    if not row["passed"]:
        problems.append(f"{question.id}: mutation score {_score(row['score'])} ({counts['killed']} of {judged} killed) is "
                        f"below the threshold {assignment.mutation_threshold:g}: {counts['survived']} survivor(s)")
    return row


# --- outputs ------------------------------------------------------------------------------------------
def write_json(report: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / "audit.json"
    path.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _feedback_css() -> markupsafe.Markup:
    """The feedback page's stylesheet, so the audit page looks like it."""
    source = (_TEMPLATES / "feedback.html.j2").read_text(encoding="utf-8")
    match = re.search(r"<style>(.*?)</style>", source, re.S)
    return markupsafe.Markup(match.group(1) if match else "")  # noqa: S704 - the grader's own template


def write_html(report: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / "audit.html"
    survivors = [m for m in report["mutants"] if m["status"] == "survived"]
    equivalent = [m for m in report["mutants"] if m["status"] == "equivalent"]
    html = _ENV.get_template("audit.html.j2").render(r=report, css=_feedback_css(), survivors=survivors,
                                                     equivalent=equivalent, diff_lines=_diff_lines, score=_score)
    path.write_text(html, encoding="utf-8")
    return path


def _diff_lines(diff: str) -> list[dict]:
    return [{"text": line, "kind": "add" if line.startswith("+") and not line.startswith("+++") else
             "del" if line.startswith("-") and not line.startswith("---") else
             "hunk" if line.startswith(("@@", "+++", "---")) else "ctx"} for line in diff.split("\n")]


def _score(score) -> str:
    """A score to three decimals, rounded down: 0.9459 shows as 0.945, never as a passing-looking 0.95."""
    return "—" if score is None else f"{math.floor(score * 1000 + 1e-9) / 1000:.3f}"


def _fmt(value, spec="g") -> str:
    return "—" if value is None else format(value, spec)


def print_report(report: dict, file=None, paths=()) -> None:
    """The summary table, each survivor's changed lines, the notes, and what failed."""
    tty = bool(file is not None and getattr(file, "isatty", lambda: False)())
    console = Console(file=file, highlight=False, soft_wrap=True, width=None if tty else 120)
    table = Table(title=Text(f"grader audit: {report['title']} (version {report['version']})"), title_justify="left")
    for column in ("question", "do-nothing max", "mutants", "killed", "equivalent", "survived", "score", "threshold"):
        table.add_column(column, justify="left" if column == "question" else "right", no_wrap=True)
    for q in report["questions"]:
        if not q["audited"]:
            table.add_row(Text(q["id"], style="dim"), Text("written only", style="dim"), *[""] * 6)
            continue
        score_style = "green" if q["passed"] else "bold red"
        nothing_style = "bold red" if (q["nothing_max"] or 0) > _EPSILON else "green"
        table.add_row(q["id"], Text(f"{_fmt(q['nothing_max'], '.2f')} / {_fmt(q['code_points'], '.2f')}",
                                    style=nothing_style),
                      str(q["mutants"]), str(q["killed"]), str(q["equivalent"]), str(q["survived"]),
                      Text(_score(q["score"]), style=score_style), f"{q['threshold']:g}")
    console.print(table)
    for m in report["mutants"]:
        if m["status"] != "survived":
            continue
        console.print(Text(f"survivor {m['id']} ({m['question']}, {m['operator']}: {m['description']}, cell {m['cell']} "
                           f"line {m['line']})", style="bold yellow"))
        for line in _diff_lines(m["diff"]):
            console.print(Text("    " + printable(line["text"]),
                               style={"add": "green", "del": "red", "hunk": "dim"}.get(line["kind"], "")))
    for m in report.get("mistakes", []):
        console.print(Text(f"mistake {m['id']} ({m['question']}): {m['status']}",
                           style="green" if m["status"] == "named" else "bold red"))
    for note in report["notes"]:
        console.print(Text("note: " + printable(note), style="dim"))
    for problem in report["problems"]:
        console.print(Text("FAIL: " + printable(problem), style="bold red"))
    verdict = "passed" if report["status"] == "passed" else f"failed ({len(report['problems'])} problem(s))"
    console.print(Text(f"{report['notebooks']} notebooks graded in {report['wall_time_s']:g} s; audit {verdict}"
                       + "".join(f"; wrote {p}" for p in paths), style="bold"))
