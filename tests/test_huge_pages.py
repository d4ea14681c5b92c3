"""The warm process's memory collapsed into huge pages: the right memory, and contents that do not change."""
from __future__ import annotations

import mmap
import os

from helpers import in_forked_child
from grader.sandbox.student_side import huge_pages

MAPS = """\
55b20d8b3000-55b214de5000 rw-p 00000000 00:00 0                          [heap]
7f3500000000-7f3500400000 rw-p 00000000 00:00 0
7f3510000000-7f3510400000 rw-p 00012000 08:01 4242                       /usr/lib/libtorch_cpu.so
7f3520000000-7f3520400000 r--p 00000000 00:00 0
7f3530000000-7f3530400000 rw-s 00000000 00:05 77                         /dev/zero (deleted)
7f3540100000-7f3540300000 rw-p 00000000 00:00 0
7ffd10000000-7ffd10400000 rw-p 00000000 00:00 0                          [stack]
"""


def test_only_the_heap_and_unnamed_private_memory_is_collapsed_in_whole_aligned_spans():
    spans = huge_pages.anonymous_spans(MAPS)
    assert spans == [(0x55B20DA00000, 0x55B214C00000),  # the heap, trimmed in to 2 MiB boundaries
                     (0x7F3500000000, 0x7F3500400000)]  # an unnamed mapping, already aligned
    # Not: a library's data, read-only or shared memory, a 2 MiB mapping off the boundaries, the stack.


def test_collapsed_memory_keeps_its_contents_and_a_child_writes_only_its_own_copy():
    def steps(report):  # in a child: the test process's own memory stays as it is
        size = 16 << 20
        region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        pattern = bytes(range(256)) * (size // 256)
        region[:] = pattern
        report["collapsed"] = huge_pages.collapse()
        report["intact"] = region[:] == pattern
        grandchild = os.fork()
        if grandchild == 0:
            region[4096:4100] = b"XXXX"
            os._exit(0 if region[4096:4100] == b"XXXX" else 1)
        _, status = os.waitpid(grandchild, 0)
        report["child_wrote"] = os.waitstatus_to_exitcode(status) == 0
        report["still_intact"] = region[:] == pattern

    report = in_forked_child(steps)
    assert report.get("intact") and report.get("still_intact"), report
    assert report.get("child_wrote"), report
    if _kernel_can_collapse():
        assert report["collapsed"] >= 7 * huge_pages.HUGE_PAGE, "16 MiB hold 7 aligned huge pages at least"
    else:
        assert report["collapsed"] == 0


def _kernel_can_collapse() -> bool:
    """MADV_COLLAPSE: Linux 6.1 and later, with transparent huge pages not set to ``never``."""
    release = tuple(int(part) for part in os.uname().release.split(".")[:2] if part.isdigit())
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            enabled = "[never]" not in f.read()
    except OSError:
        enabled = False
    return release >= (6, 1) and enabled
