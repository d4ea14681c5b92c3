"""Keeps the output folder's files (each reviewed student's feedback.html and results.json, and index.html)
in step with reviews saved in the browser, off the request path and out of the server's process.

Saving a review marks its student; a background thread waits a moment so a
run of saves becomes one rewrite, then runs ``python -m grader.serve.refresh``
on the marked students, which rewrites their files through
``grader.classroom.export.regenerate_outputs`` (what ``grader review`` does). Rendering
a feedback page is CPU work: in a child process it never holds the server's
interpreter lock, so review pages keep answering meanwhile. ``stop`` returns at
once: what is not written yet is listed in the folder and written on the next
start (or by ``grader export``). An exclusive lock
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

from grader.core.text import printable

LOCK = ".serve-outputs.lock"
PENDING = ".serve-outputs-pending"  # students whose files a stopped server left unwritten


class OutputRefresher:
    def __init__(self, out_dir: Path, assignment, delay: float = 1.0):
        self.out_dir, self.assignment, self.delay = Path(out_dir), assignment, delay
        self._marked: set[str] = set()
        self._writing: set[str] = set()
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._halt = threading.Event()  # set by stop: ends the wait for later saves at once
        self._thread = threading.Thread(target=self._run, name="grader-serve-outputs", daemon=True)

    def start(self) -> None:
        """Start the background writer, with the students a previous server stopped before writing."""
        pending = self.out_dir / PENDING
        try:
            left = [line for line in pending.read_text().splitlines() if line]
        except OSError:
            left = []
        with self._lock:
            self._marked.update(left)
        self._thread.start()
        if left:
            self._wake.set()

    def mark(self, student_id: str) -> None:
        with self._lock:
            self._marked.add(student_id)
        self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._marked | self._writing)

    def stop(self) -> int:
        """Stop at once: end the rewrite under way and leave what is unwritten (marked, or being written)
        in the folder's list for the next start; returns how many students that is."""
        with self._lock:
            self._stopping = True
            process = self._process
        self._halt.set()
        self._wake.set()
        if process is not None and process.poll() is None:
            process.kill()
        if self._thread.is_alive():
            self._thread.join(timeout=1)
        with self._lock:
            left = sorted(self._marked | self._writing)
        self._remember(left)
        return len(left)

    def _remember(self, students) -> None:
        pending = self.out_dir / PENDING
        try:
            if students:
                pending.write_text("".join(f"{s}\n" for s in students))
            else:
                pending.unlink(missing_ok=True)
        except OSError:
            pass  # the reviews are in the gradebook; `grader export` rewrites every file

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            self._halt.wait(self.delay)  # later saves join this rewrite
            if not self._stopping:
                self.flush()

    def flush(self) -> int:
        """Rewrite the marked students' files now (in a child process); how many were written."""
        with self._lock:
            students, self._marked = self._marked, set()
            self._writing |= students
        if not students:
            return 0
        command = [sys.executable, "-m", "grader.serve.refresh", str(self.out_dir), str(self.assignment.folder),
                   *sorted(students)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                                        os.environ.get("PYTHONPATH")])))
        with self._lock:
            if self._stopping:
                return 0  # stop lists them for the next start
            process = self._process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                                       stderr=subprocess.PIPE, text=True)
        _, errors = process.communicate()
        if process.returncode != 0:
            if not self._stopping:
                # The reviews are saved; only the files lag. `grader export` rewrites them.
                print(printable(f"grader serve: could not rewrite the files of {len(students)} students in "
                                f"{self.out_dir} ({errors.strip()[-300:]}); `grader export --out {self.out_dir}` "
                                "rewrites them"), file=sys.stderr)
            return 0
        with self._lock:
            self._writing -= students
            if not self._stopping:
                self._remember(sorted(self._marked | self._writing))
        return len(students)


def rewrite(out_dir: Path, assignment_folder: Path, students) -> int:
    """Rewrite ``students``' files and the class summary from the gradebook, under the folder's lock."""
    from grader.assignments.manifest import load_assignment
    from grader.classroom.export import regenerate_outputs
    from grader.classroom.gradebook import Gradebook

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
