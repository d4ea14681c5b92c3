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
