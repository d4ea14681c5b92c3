"""The benchmark's floor: a notebook run in the benchmark's own process, with no isolation.

``InProcessNotebook`` offers what the checks use of a ``StudentProcess``
(run_cell, call, method, helper, fork, reset, kill) on top of the same runtime the
student's child process runs (grader/sandbox/student_side/child.py), with values passed
through the same codec, but no process, no socket and no fork: a check's
``fork`` and ``reset`` only reset torch's global state and reseed. That is the cost of
the work itself, which the isolated grader is measured against.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import time

import matplotlib.pyplot as plt
import torch

from grader.checks.runner import run_checks
from grader.core.errors import error_from_wire
from grader.sandbox.run_cells import NOTEBOOK_SEED
from grader.sandbox.student_side import child
from grader.sandbox.handles import CODEC
from grader.scoring.points import score_outcomes
from grader.assignments.read_notebook import read_submission


class _NoTimeLimit:
    """The floor has no time limits: SIGALRM works only in the main thread, and the checks (which call
    student code here) run in the grader's pytest thread (grader/checks/runner.py)."""

    def __init__(self, seconds):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


child._time_limit = _NoTimeLimit


class InProcessNotebook:
    def __init__(self, helpers_module: str, seed: int, call_timeout: float):
        torch.set_num_threads(1)  # as in the student's process (grader/sandbox/student_side/warm.py): the same work
        helpers = importlib.import_module(helpers_module).HELPERS if helpers_module else {}
        child.reset_torch_state()
        child.seed_everything(seed)
        self.runtime = child.Runtime(None, helpers)
        self.call_timeout = call_timeout

    def run_cell(self, cell: int, source: str, timeout: float) -> dict:
        return self.runtime.run_cell({"cell": cell, "source": source, "timeout": timeout})

    def _call(self, target, args, kwargs, what, want_ref=False, tensor_refs=False, timeout=None):
        blobs: list[bytes] = []
        seconds = timeout or self.call_timeout
        header = {"op": "call", "target": target, "args": CODEC.encode(list(args), blobs),
                  "kwargs": CODEC.encode(dict(kwargs), blobs), "want_ref": want_ref,
                  "tensor_refs": tensor_refs, "timeout": seconds}
        reply, reply_blobs = self.runtime.call(header, blobs)
        if reply["ok"]:
            return CODEC.decode(reply.get("value"), reply_blobs)
        raise error_from_wire(reply.get("error"), what, seconds)

    def call(self, name, *args, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        return self._call({"name": name}, args, kwargs, f"{name}()", _ref, _tensor_refs, _timeout)

    def method(self, ref, method, *args, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        return self._call({"id": ref.id, "method": method}, args, kwargs, f"{ref.type}.{method}()",
                          _ref, _tensor_refs, _timeout)

    def helper(self, name, *args, _ref=False, _tensor_refs=False, _timeout=None, what=None, **kwargs):
        return self._call({"helper": name}, args, kwargs, what or name, _ref, _tensor_refs, _timeout)

    def fork(self, seed: int) -> "InProcessNotebook":
        child.reset_torch_state()
        child.seed_everything(seed)
        return self

    def reset(self, seed: int) -> None:
        self.fork(seed)

    usable, dead = True, False

    def kill(self):
        pass


def grade_in_process(path, assignment, options):
    """Read, run the cells, run the same checks, score: (total score, seconds)."""
    start = time.perf_counter()
    submission = read_submission(path, assignment)
    assignment.import_package()
    notebook = InProcessNotebook(assignment.module(assignment.child_helpers), NOTEBOOK_SEED, options.limits.call)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for cell in submission.code_cells:
            notebook.run_cell(cell.number, cell.source, options.limits.cell)
        outcomes = run_checks(notebook, submission, assignment, options.suites)
    plt.close("all")
    score = round(sum(q.score for q in score_outcomes(outcomes, assignment)), 6)
    return score, time.perf_counter() - start
