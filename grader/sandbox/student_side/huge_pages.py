"""The warm process's memory held in 2 MiB pages, so that forking it, and its children, is cheap.

Each submission forks the warm process (some 250 MB of torch and Python
objects) for its notebook process and that process once per question for
the checks' copies. A fork copies the page-table entries of all the memory
it shares, and the end of the process drops them again: in 4 KiB pages,
~62,000 entries, ~6 ms to fork the warm process and ~7 ms a notebook process
on this machine. Collapsed into transparent huge pages once, at the warm
process's start (``madvise(MADV_COLLAPSE)``, Linux 6.1 and later, whatever
the system's THP setting short of ``never``), the same memory takes one
entry per 2 MiB: the warm process forks in ~2 ms, and a notebook process in
~4 ms (its writes split the huge pages they touch: copy-on-write stays per
4 KiB page, so a child copies no more than before). It costs ~0.3 s once and
a few MB of the warm process's memory. Where the kernel cannot, nothing
changes.
"""
from __future__ import annotations

from grader.sandbox.student_side.hot_pages import madvise

HUGE_PAGE = 2 << 20
_MADV_COLLAPSE = 25


def anonymous_spans(maps_text: str) -> list[tuple[int, int]]:
    """The 2 MiB-aligned (start, end) spans inside the private writable anonymous mappings
    (the heap and unnamed ones) of a ``/proc/PID/maps`` text."""
    spans = []
    for line in maps_text.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[1] != "rw-p":
            continue
        if len(fields) > 5 and fields[5] != "[heap]":
            continue  # a file's data, the stack, vdso...
        low, high = (int(x, 16) for x in fields[0].split("-"))
        start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
        if end > start:
            spans.append((start, end))
    return spans


def collapse() -> int:
    """Collapse this process's private anonymous memory into huge pages; the bytes of the spans
    collapsed whole (0 where the kernel cannot). Contents do not change."""
    with open("/proc/self/maps") as maps:
        spans = anonymous_spans(maps.read())
    call = madvise()
    return sum(end - start for start, end in spans if call(start, end - start, _MADV_COLLAPSE) == 0)
