"""Building a class folder of submissions, running the CLI on it, and reading what it wrote."""
from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat

from helpers import ROOT, SOLUTION, appended
from gallery import WRONG

FAST = ("--cell-timeout", "3", "--call-timeout", "2")


def solution():
    return nbformat.read(SOLUTION, as_version=4)


def inserted_after(notebook, cell_id: str, code: str):
    variant = copy.deepcopy(notebook)
    index = next(i for i, c in enumerate(variant.cells) if c.get("id") == cell_id)
    variant.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    return variant


def write_class(folder: Path, notebooks: dict, flat=False) -> Path:
    """``folder/<student>/weight_decay.ipynb`` (or ``folder/<student>.ipynb`` when flat) for each student:
    a notebook, or raw bytes."""
    for student, notebook in notebooks.items():
        target = folder / f"{student}.ipynb" if flat else folder / student / "weight_decay.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, bytes):
            target.write_bytes(notebook)
        else:
            nbformat.write(notebook, target)
    return folder


def run_cli(*args, cwd, timeout=600, env_course=str(ROOT), **popen):
    """The CLI in a new interpreter; ``env_course`` None runs it as a user would, with no GRADER_COURSE
    (the working folder is the course)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if env_course is None:
        env.pop("GRADER_COURSE", None)
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **popen)


def grader_main(capsys, *args):
    """The CLI in this process (no interpreter start-up): (exit status, stdout, stderr)."""
    from grader.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def start_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def results(out: Path) -> dict:
    """student -> results.json, for every student folder in ``out``."""
    return {p.name: json.loads((p / "results.json").read_text()) for p in sorted(out.iterdir())
            if (p / "results.json").exists()}


def question_scores(result: dict) -> dict:
    """Points per question from results.json, a written answer awaiting review (a test without a status)
    counted at full marks, as if reviewed so: what the code earned shows, the review pending does not."""
    scores: dict[str, float] = {}
    for test in result["tests"]:
        q = test["name"].split(":")[0]
        scores[q] = scores.get(q, 0.0) + (test["score"] if "status" in test else test["max_score"])
    return {q: round(s, 2) for q, s in scores.items()}


def gradebook_rows(out: Path, query: str, args=()) -> list:
    """Read the gradebook as any SQLite client would."""
    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute(query, args).fetchall()
    finally:
        db.close()


def wrong(name: str):
    """The solution with one of the gallery's mistakes (tests/gallery.py)."""
    case = next(c for c in WRONG if c.name == name)
    return appended(solution(), case.code)
