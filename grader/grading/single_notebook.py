"""One notebook from a cold start: ``grader grade`` of one file, ``grader check``, a Gradescope run.

A batch pays its start-up once; here it is most of the wait. Two processes start: the warm process
(torch, the assignment's helpers; the notebook's process is forked from it) and the grader itself (torch
and pytest for the checks, nbconvert and jinja for the page). On two cores they overlap instead of
queueing:

1. The warm process is launched first, before this process imports torch, without what pays off only
   over many notebooks (huge pages, processes started ahead; grader/sandbox/warm_process.py), and without
   matplotlib, or a first optimizer step, when the notebook never names them. The assignment's reference
   values are read from its cache, not computed (grader/assignments/reference_values.py).
2. While it starts, a thread of this process imports what the checks need and collects them (pytest's
   session, kept for the process: grader/checks/runner.py) and then loads the page's template and the
   assignment's feedback module, and another renders what the feedback page shows of the notebook (from
   its file, pinned by its hash).
3. The caller then grades as usual; each stage finds its part done, or waits for it.

Isolation is unchanged: each child still enters every layer before its first cell.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.assignments.manifest import Assignment
from grader.grading.pipeline import GradeOptions, start_warm_process


def start(notebook: Path, assignment: Assignment, options: GradeOptions, shows_notebook: bool = True):
    """Launch ``assignment``'s warm process for one notebook and warm this process up beside it; returns
    the warm process (a context manager; its first ``spawn`` waits until it is ready).
    ``shows_notebook``: the page written afterwards shows the notebook (``render_outputs`` does)."""
    warm = start_warm_process(assignment, options, single=True, plots=names_matplotlib(notebook),
                              optimizer=names_optimizer(notebook))
    parts: list[tuple[Callable[..., None], tuple[Any, ...]]] = [(_prepare_checks, (assignment, options.suites))]
    if shows_notebook:
        parts.append((_prepare_page, (notebook,)))
    for target, args in parts:
        # Not daemons: a grade that ends first (an unreadable file) waits for them at exit, rather than the
        # interpreter shutting down under a thread that is importing torch (which aborts the process).
        threading.Thread(target=target, args=args, name=target.__name__.strip("_")).start()
    return warm


def names_matplotlib(notebook: Path) -> bool:
    """Whether the notebook's file names matplotlib anywhere (an import, ``%matplotlib inline``, a comment):
    then its warm process loads matplotlib and draws a first figure (~0.4 s of its start-up), else not. A
    notebook that plots without naming it (through another package) still plots: its process imports
    matplotlib on first use. Unreadable: as if it did (the grade reports what is wrong with the file)."""
    try:
        return b"matplotlib" in notebook.read_bytes()
    except OSError:
        return True


def names_optimizer(notebook: Path) -> bool:
    """Whether the notebook's file names an optimizer (``torch.optim``, ``from torch import optim``,
    ``optimizer.step()``, ``configure_optimizers``): then its warm process takes a first optimizer step (~0.9 s
    of imports, grader/sandbox/student_side/warm.py), while this process starts too, instead of the notebook's
    first step paying it while it runs alone. A notebook that steps one without naming it (through another
    package) still does: its first step pays. Unreadable: as if it did."""
    try:
        return _OPTIMIZER.search(notebook.read_bytes()) is not None
    except OSError:
        return True


_OPTIMIZER = re.compile(rb"\boptim\b|optimizer", re.IGNORECASE)


def _prepare_checks(assignment: Assignment, suites) -> None:
    """torch, pytest and the assignment's checks, collected into this process's session for them; then
    the assignment's feedback module (after the collection, which imports the assignment's package: one
    thread imports its modules), and matplotlib's first figure when that module draws with it."""
    try:
        from grader.checks.runner import COLLECTION_LOCK, prepare_session
        from grader.outputs.feedback import warm_up as warm_up_feedback

        prepare_session(assignment, tuple(suites))
        with COLLECTION_LOCK:
            warm_up_feedback(assignment)
    except Exception:  # noqa: BLE001 - only a head start: grading collects again and reports what is wrong
        pass


def _prepare_page(notebook: Path) -> None:
    """What the page shows of the notebook, which depends on its file alone."""
    try:
        from grader.outputs.notebook_html import render_ahead

        render_ahead(notebook)
    except Exception:  # noqa: BLE001 - only a head start: the page is rendered in full afterwards
        pass
