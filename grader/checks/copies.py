"""The student processes checks run against: copies of the notebook's process, one per question.

A check never runs against the notebook's own process (it must not change
what the next check sees); it gets a copy forked from it. Forking the
notebook's process (some 250 MB of torch and Python objects) costs ~8 ms and
the copy's first call ~4 ms of copy-on-write faults, so a copy per check was
most of a submission's grading time. The checks of one question share a copy
instead, and before each check the copy is reset: torch's default dtype and
grad mode restored, every generator reseeded from the check's id, the
references of earlier checks dropped. A copy that timed out or stopped is
replaced before the next check, so such a failure costs its own check only.
A check marked ``fresh_copy`` gets a copy of its own, discarded after it.
"""
from __future__ import annotations

from grader.errors import StudentCrashed, StudentTimeout

FRESH_MARKER = "fresh_copy"


class CheckCopies:
    def __init__(self, notebook):
        self.notebook = notebook
        self._shared: dict[str, object] = {}
        self._own: list = []

    def for_check(self, question: str, seed: int, fresh: bool = False):
        """A copy for a check of ``question``, seeded with ``seed``."""
        if fresh:
            self._own.append(self.notebook.fork(seed))
            return self._own[-1]
        copy = self._shared.pop(question, None)
        if copy is not None and copy.usable:
            try:
                copy.reset(seed)
                self._shared[question] = copy
                return copy
            except (StudentTimeout, StudentCrashed):
                pass
        if copy is not None:
            copy.kill()
        self._shared[question] = self.notebook.fork(seed)
        return self._shared[question]

    def after_check(self):
        """A check's own copies end with it."""
        for copy in self._own:
            copy.kill()
        self._own.clear()

    def close(self):
        self.after_check()
        for copy in self._shared.values():
            copy.kill()
        self._shared.clear()
