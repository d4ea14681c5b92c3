"""The student processes checks run against: copies of the notebook's process, one per question.

A check never runs against the notebook's own process (it must not change
what the next check sees); it gets a copy forked from it. Forking the
notebook's process (some 250 MB of torch and Python objects) costs ~8 ms and
the copy's first call ~4 ms of copy-on-write faults, so a copy per check was
most of a submission's grading time. The checks of one question share a copy
instead, and before each check the copy is reset: torch's default dtype and
grad mode restored, every generator reseeded from the check's id, the
references of earlier checks dropped. A copy that timed out or stopped is
replaced before the next check, so such a failure costs its own check only;
one that was killed from outside while idle is noticed and replaced too.
A check marked ``fresh_copy`` gets a copy of its own, discarded after it.
"""
from __future__ import annotations

FRESH_MARKER = "fresh_copy"


class CheckCopies:
    def __init__(self, notebook):
        self.notebook = notebook
        self._question: str | None = None
        self._shared = None  # the current question's copy
        self._own: list = []

    def for_check(self, question: str, seed: int, fresh: bool = False):
        """A copy for a check of ``question``, seeded with ``seed``.

        Only one shared copy is alive at a time: the checks of a question run together, and a copy
        that could signal a sibling copy (same user, same namespace) could cost another question a
        check. Moving on to the next question ends the last one's copy.
        """
        if fresh:
            self._own.append(self.notebook.fork(seed))
            return self._own[-1]
        copy = self._shared
        if copy is not None and question == self._question and copy.usable:
            copy.reset(seed)
            return copy
        if copy is not None:
            copy.kill()
        self._question, self._shared = question, None
        self._shared = self.notebook.fork(seed)
        return self._shared

    def after_check(self):
        """A check's own copies end with it."""
        for copy in self._own:
            copy.kill()
        self._own.clear()

    def close(self):
        self.after_check()
        if self._shared is not None:
            self._shared.kill()
            self._shared = None
