"""Pages learned from one process and copied ahead in the next: the right pages, and no change to a grade."""
from __future__ import annotations

import pytest

import ctypes
import os

import torch

from helpers import SOLUTION
from grader.sandbox.student_side import hot_pages

pytestmark = pytest.mark.needs_root

PAGE = hot_pages.PAGE


def test_the_pages_learned_are_the_ones_a_forked_process_wrote():
    buffer = bytearray(64 * PAGE)  # touched here, so shared with the child after the fork
    base = ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))
    first = (base + PAGE - 1) // PAGE * PAGE  # the first whole page inside the buffer
    written = [first + k * PAGE for k in (3, 4, 5, 40)]
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for address in written:
            buffer[address - base] = 1
        os.write(ready_w, b"x")
        os.read(hold_r, 1)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        runs = hot_pages.written_pages(pid)
    finally:
        os.write(hold_w, b"x")
        os.waitpid(pid, 0)
    runs = runs.tolist()
    learned = {address + k * PAGE for address, pages in runs for k in range(pages)}
    inside = {address for address in learned if first <= address < first + 63 * PAGE}
    assert inside == set(written), "exactly the buffer's pages the child wrote, none it only shared"
    assert [first + 3 * PAGE, 3] in runs, "consecutive pages make one run"


def test_a_notebook_graded_with_pages_copied_ahead_gets_the_same_grade(grade):
    before = grade(SOLUTION)
    learned = hot_pages.LEARNED.kinds()
    assert {"notebook", "q2", "q3", "q4"} <= learned, "learned from the first grade (the grader runs as root here)"
    for _ in range(2):  # the next notebook process and copies were prepared with what was learned
        again = grade(SOLUTION)
        assert again.questions == before.questions and again.cell_failures == before.cell_failures
        assert again.output == before.output


class _FakeProcess:
    """What WritePatterns uses of a StudentProcess: its pid, origin, helper calls and the flag it sets."""

    def __init__(self, pid):
        self.pid, self.origin, self.usable, self.pages_copied_ahead = pid, 7, True, False
        self.requests = []

    def helper(self, name, *args):
        self.requests.append(name)


def test_patterns_are_learned_only_from_processes_that_wrote_their_own_pages(monkeypatch):
    learned_from = []

    def fake_written_pages(pid):
        learned_from.append(pid)
        return torch.tensor([[pid * PAGE, 1]], dtype=torch.int64)

    monkeypatch.setattr(hot_pages, "written_pages", fake_written_pages)
    patterns = hot_pages.WritePatterns()
    made = []
    for pid in range(1, 2 * hot_pages.RELEARN + 2):
        process = _FakeProcess(pid)
        patterns.copy_ahead("q2", process)
        made.append(process)
        patterns.learn("q2", process)
    copied = [p.pid for p in made if p.requests == ["prefault"]]
    left_alone = [p.pid for p in made if p.requests == ["get"]]
    assert left_alone == [1, hot_pages.RELEARN, 2 * hot_pages.RELEARN], "the first, then every RELEARN-th"
    assert len(copied) == len(made) - 3 and all(p.pages_copied_ahead for p in made if p.pid in copied)
    assert learned_from == left_alone, "a process whose pages were copied ahead says nothing of what it wrote"
