"""Keeps the output folder's files (each reviewed student's feedback.html and results.json, and index.html)
in step with reviews saved in the browser, off the request path.

Saving a review marks its student; a background thread waits a moment so a
run of saves becomes one rewrite, then rewrites through
``grader.export.regenerate_outputs`` (the same files ``grader review``
rewrites). ``stop`` writes what is still marked. An exclusive lock on a file
in the folder keeps two servers sharing it from writing the same file at once.
"""
from __future__ import annotations

import fcntl
import sys
import threading
from pathlib import Path

from grader.errors import GraderError
from grader.export import regenerate_outputs
from grader.gradebook import Gradebook
from grader.text import printable

LOCK = ".serve-outputs.lock"


class OutputRefresher:
    def __init__(self, out_dir: Path, assignment, delay: float = 1.0):
        self.out_dir, self.assignment, self.delay = Path(out_dir), assignment, delay
        self._marked: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="grader-serve-outputs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def mark(self, student_id: str) -> None:
        with self._lock:
            self._marked.add(student_id)
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            threading.Event().wait(self.delay)  # later saves join this rewrite
            self.flush()

    def flush(self) -> int:
        with self._lock:
            students, self._marked = self._marked, set()
        if not students:
            return 0
        try:
            with open(self.out_dir / LOCK, "a") as lock, Gradebook(self.out_dir, create=False) as gradebook:
                fcntl.flock(lock, fcntl.LOCK_EX)
                return regenerate_outputs(gradebook, self.out_dir, self.assignment, students=students)
        except (GraderError, OSError) as exc:
            # The reviews are saved; only the files lag. `grader export` rewrites them.
            print(printable(f"grader serve: could not rewrite the files in {self.out_dir} ({exc}); "
                            f"`grader export --out {self.out_dir}` rewrites them"), file=sys.stderr)
            return 0
