"""Keeps the output folder's files (each reviewed student's feedback.html and results.json, and index.html)
in step with reviews saved in the browser, off the request path and out of the server's process.

Saving a review marks its student; a background thread waits a moment so a
run of saves becomes one rewrite, then runs ``python -m grader.serve.refresh``
on the marked students, which rewrites their files through
``grader.export.regenerate_outputs`` (what ``grader review`` does). Rendering
a feedback page is CPU work: in a child process it never holds the server's
interpreter lock, so review pages keep answering meanwhile. ``stop`` waits
for the rewrite under way and writes what is still marked. An exclusive lock
on a file in the folder keeps two servers sharing it from writing the same
file at once.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

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

    def pending(self) -> int:
        with self._lock:
            return len(self._marked)

    def stop(self) -> None:
        """Wait for the rewrite under way, then write what is still marked."""
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
        command = [sys.executable, "-m", "grader.serve.refresh", str(self.out_dir), str(self.assignment.folder),
                   *sorted(students)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                                        os.environ.get("PYTHONPATH")])))
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            # The reviews are saved; only the files lag. `grader export` rewrites them.
            print(printable(f"grader serve: could not rewrite the files of {len(students)} students in "
                            f"{self.out_dir} ({done.stderr.strip()[-300:]}); `grader export --out {self.out_dir}` "
                            "rewrites them"), file=sys.stderr)
            return 0
        return len(students)


def rewrite(out_dir: Path, assignment_folder: Path, students) -> int:
    """Rewrite ``students``' files and the class summary from the gradebook, under the folder's lock."""
    from grader.assignment import load_assignment
    from grader.export import regenerate_outputs
    from grader.gradebook import Gradebook

    assignment = load_assignment(assignment_folder)
    with open(out_dir / LOCK, "a") as lock, Gradebook(out_dir, create=False) as gradebook:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return regenerate_outputs(gradebook, out_dir, assignment, students=set(students))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="rewrite reviewed students' files (grader serve runs this)")
    parser.add_argument("out", type=Path)
    parser.add_argument("assignment", type=Path)
    parser.add_argument("students", nargs="+")
    arguments = parser.parse_args()
    rewrite(arguments.out, arguments.assignment, arguments.students)
