"""Pages learned from one process and copied ahead in the next: the right pages, and no change to a grade."""
from __future__ import annotations

import ctypes
import os

from conftest import SOLUTION
from grader.sandbox import hot_pages

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
