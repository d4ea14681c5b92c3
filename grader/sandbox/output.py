"""What a student's process prints: kept as its head and tail, and a kill past a hard cap.

The child's stdout and stderr are one pipe; a thread in the grader drains it
so a chatty notebook never blocks, keeps the first and last few kilobytes for
the feedback page, and calls ``on_flood`` once more than ``cap`` bytes came.
"""
from __future__ import annotations

import os
import threading

HEAD_BYTES = 4096
TAIL_BYTES = 4096
CAP_BYTES = 8 << 20


class OutputCapture:
    def __init__(self, read_fd: int, on_flood, head=HEAD_BYTES, tail=TAIL_BYTES, cap=CAP_BYTES):
        self._fd, self._on_flood = read_fd, on_flood
        self._head_size, self._tail_size, self._cap = head, tail, cap
        self.head, self.tail = bytearray(), bytearray()
        self.total = 0
        self.flooded = False
        self._thread = threading.Thread(target=self._drain, name="student-output", daemon=True)
        self._thread.start()

    def _drain(self):
        try:
            while True:
                chunk = os.read(self._fd, 65536)
                if not chunk:
                    return
                self._keep(chunk)
                if self.total > self._cap and not self.flooded:
                    self.flooded = True
                    self._on_flood()
        except OSError:
            return
        finally:
            os.close(self._fd)

    def _keep(self, chunk: bytes):
        self.total += len(chunk)
        room = self._head_size - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail = (self.tail + chunk)[-self._tail_size:]

    def text(self, wait: float = 1.0) -> str:
        """The kept output as text, with the size of what was left out in between."""
        self._thread.join(wait)
        head = self.head.decode("utf-8", errors="replace")
        if not self.tail:
            return head
        omitted = self.total - len(self.head) - len(self.tail)
        gap = f"\n[... {omitted} bytes not kept ...]\n" if omitted > 0 else ""
        return head + gap + self.tail.decode("utf-8", errors="replace")
