"""The pages a notebook's process writes, learned from one and copied ahead of need in the next.

Every notebook process is forked from the warm process and shares its memory
until it writes to it; each first write to a shared page costs a copy-on-write
fault, ~4,500 of them for this assignment's cells, some 35 ms on a virtual
machine. Processes forked from the same warm process have the same address
layout, so the pages one notebook wrote are, give or take, those the next
will write. The grader reads them from a finished notebook process
(``/proc/PID/pagemap``: present and no longer shared) and a process started
ahead of need copies them with ``madvise(MADV_POPULATE_WRITE)`` while it
waits, before any student code has run: contents do not change, only when
the copies are made. Where pagemap cannot be read (not root) nothing is
learned and nothing is copied ahead. The same holds for the copies of a
notebook that each question's checks run against (grader/checks/copies.py).

A process whose pages were copied ahead holds them whether it wrote them or
not, so patterns are learned only from processes that were not: the first of
each kind, and every ``RELEARN``-th one, made without copying for that
purpose. Learning from the others would make the set a union of everything
ever learned, growing with the batch (q2's 868 pages became 1,113 over 75
notebooks).
"""
from __future__ import annotations

import ctypes

import numpy as np
import torch

PAGE = 4096
MAX_PAGES = 16384  # 64 MiB: what a process made ahead may copy, whatever the notebook it was learned from did
RELEARN = 25
_PRESENT_AND_EXCLUSIVE = np.uint64((1 << 63) | (1 << 56))


def madvise():
    """libc's ``madvise(address, length, advice)``, errors in ``ctypes.get_errno()``."""
    call = ctypes.CDLL(None, use_errno=True).madvise
    call.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return call


def written_pages(pid: int, cap: int = MAX_PAGES) -> torch.Tensor:
    """Runs (address, pages) of the private writable memory of process ``pid`` that it holds alone
    (written since it was forked, or new), at most ``cap`` pages, as an int64 tensor of shape (runs, 2)
    (one blob on the wire); empty when that cannot be read."""
    runs: list[tuple[int, int]] = []
    total = 0
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for line in maps:
                fields = line.split()
                if len(fields) < 2 or fields[1] != "rw-p":
                    continue
                low, high = (int(x, 16) for x in fields[0].split("-"))
                pagemap.seek(low // PAGE * 8)
                entries = np.frombuffer(pagemap.read((high - low) // PAGE * 8), dtype=np.uint64)
                held = np.flatnonzero((entries & _PRESENT_AND_EXCLUSIVE) == _PRESENT_AND_EXCLUSIVE)
                if not held.size:
                    continue
                # Consecutive pages become one run.
                breaks = np.flatnonzero(np.diff(held) != 1) + 1
                for first, last in zip(np.r_[0, breaks], np.r_[breaks, held.size]):
                    pages = min(int(last - first), cap - total)
                    runs.append((low + int(held[first]) * PAGE, pages))
                    total += pages
                    if total >= cap:
                        return _as_tensor(runs)
    except (OSError, ValueError):
        runs = []
    return _as_tensor(runs)


def _as_tensor(runs) -> torch.Tensor:
    return torch.tensor(runs, dtype=torch.int64).reshape(-1, 2)


class WritePatterns:
    """What processes of each kind write, by key ``(origin, kind)``: the warm process they descend from
    (one address layout) and ``notebook`` or a question. Learned from the first finished process of a
    kind, then from every ``RELEARN``-th one made ahead, which is left to write its own pages, so one
    odd notebook does not decide for long."""

    def __init__(self):
        self._runs: dict[tuple, torch.Tensor] = {}
        self._made: dict[tuple, int] = {}

    def learn(self, kind: str, process) -> None:
        """Called with a finished process (alive still, its own copies gone)."""
        if not process.pid or not process.usable or process.pages_copied_ahead:
            return
        self._runs[(process.origin, kind)] = written_pages(process.pid)

    def copy_ahead(self, kind: str, process) -> None:
        """In a process made ahead of need, before any student code: copy the pages its kind writes
        (until something is learned, and in every ``RELEARN``-th process, pass one request through its
        runtime instead, which writes some)."""
        key = (process.origin, kind)
        self._made[key] = self._made.get(key, 0) + 1
        runs = self._runs.get(key)
        if runs is not None and len(runs) and self._made[key] % RELEARN:
            process.helper("prefault", runs)
            process.pages_copied_ahead = True
        else:
            process.helper("get", None)

    def kinds(self) -> set[str]:
        """The kinds something was learned for."""
        return {kind for (_, kind), runs in self._runs.items() if len(runs)}


# Kept for the grader process's life.
LEARNED = WritePatterns()
