"""Notebook processes from the warm process: each fresh, even when it was started ahead of need."""
from __future__ import annotations

import os
import signal
import time

from helpers import ASSIGNMENT
from grader.sandbox.handles import Global


def test_each_notebook_process_starts_fresh(warm):
    first = warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0)
    assert first.run_cell(1, "import torch\nleft_behind = torch.rand(2)\nprint('from the first')\n", 10)["ok"]
    drawn = first.helper("get", Global("left_behind"))
    first.kill()
    second = warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0)
    try:
        assert not second.run_cell(1, "left_behind\n", 10)["ok"], "nothing of the first notebook may remain"
        assert second.run_cell(2, "import torch\nagain = torch.rand(2)\n", 10)["ok"]
        assert second.helper("get", Global("again")).tolist() == drawn.tolist(), "same seed, same numbers"
        assert "from the first" not in second.output.text(wait=0.2)
        assert second.isolation == first.isolation
    finally:
        second.kill()


def test_a_notebook_process_that_died_while_waiting_is_not_handed_out(warm):
    warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0).kill()
    warm._preparing.join()  # white box: the process started ahead for the next notebook
    _, waiting = warm._spare
    os.kill(waiting.pid, signal.SIGKILL)
    time.sleep(0.2)
    process = warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0)
    try:
        assert process is not waiting
        assert process.run_cell(1, "x = 1\n", 10)["ok"]
    finally:
        process.kill()


def _loaded_in_a_child(warm_process, module: str) -> bool:
    child = warm_process.spawn("", 0, 3.0)
    try:
        assert child.run_cell(1, f"import sys\nloaded = {module!r} in sys.modules\n", 10)["ok"]
        return child.helper("get", Global("loaded"))
    finally:
        child.kill()


def test_a_batchs_children_get_the_first_optimizer_steps_imports_and_one_notebooks_only_when_asked():
    """The engine, not an assignment's helpers, takes a first optimizer step in a batch's warm process (torch's
    optimizers import torch._dynamo on their first step, ~0.9 s a child would pay); one notebook's warm process
    takes it only when asked (when the notebook names an optimizer: grader/grading/single_notebook.py)."""
    from grader.sandbox.warm_process import WarmProcess

    with WarmProcess([], batch=True) as batch:
        assert _loaded_in_a_child(batch, "torch._dynamo")
    with WarmProcess([], batch=False, plots=False) as single:
        assert not _loaded_in_a_child(single, "torch._dynamo")
    with WarmProcess([], batch=False, plots=False, optimizer=True) as asked:
        assert _loaded_in_a_child(asked, "torch._dynamo")


def test_the_warm_process_reads_the_helpers_reference_values_and_says_which(tmp_path, monkeypatch):
    """Weight decay's child helpers table the reference sweep at import: the warm process computes it on a miss
    and writes it to the grader's cache (before any fork), reads it from there the next time, and reports the
    entry either way (what a release ships); its children see the same table."""
    from grader.grading.pipeline import GradeOptions, start_warm_process

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "reference-values" / f"weight_decay-{ASSIGNMENT.version}"
    seen = []
    for _ in range(2):
        with start_warm_process(ASSIGNMENT, GradeOptions(), single=True, plots=False) as warm:
            child = warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0)
            try:
                assert child.run_cell(1, "from weight_decay import child_helpers\n"
                                         "table = sorted(child_helpers._REFERENCE_RUNS)\n", 10)["ok"]
                seen.append((warm.reference_values_used, child.helper("get", Global("table")),
                             sorted(p.name for p in folder.glob("*.bin")),
                             [p.stat().st_mtime_ns for p in folder.glob("*.bin")]))
            finally:
                child.kill()
    entry, written = seen[0][0], seen[0][3]
    assert len(entry) == 1 and entry[0].startswith("weight_decay.reference.reference_sweep-")
    assert seen == [(entry, [0, 0.5, 1, 2, 5, 10, 20], entry, written)] * 2  # the second read it: not written again
