"""The student processes checks run against: copies of the notebook's process, one per question.

A check never runs against the notebook's own process (it must not change
what the next check sees); it gets a copy forked from it. Forking the
notebook's process (some 250 MB of torch and Python objects) costs ~7 ms and
the copy's first call a few more of copy-on-write faults, so a copy per
check was most of a submission's grading time. The checks of one question
share a copy instead, and before each check the copy is reset: torch's
default dtype and grad mode restored, every generator reseeded from the
check's id, the references of earlier checks dropped. A copy that timed out
or stopped is replaced before the next check, so such a failure costs its
own check only; one killed from outside while idle is noticed and replaced
too. A check marked ``fresh_copy`` gets a copy of its own, discarded after it.

The checks of a question run together, and moving on ends the last
question's copy. While a question's checks run, the next question's copy is
forked in the background, but only where each copy has a Landlock domain of
its own that scopes signals: elsewhere a copy could signal (stop, kill) the
one waiting, and cost another question a check, so copies are made one at a
time.
"""
from __future__ import annotations

import threading

from grader.errors import StudentCodeError
from grader.sandbox import hot_pages

FRESH_MARKER = "fresh_copy"


class CheckCopies:
    def __init__(self, notebook, order=()):
        """``order``: the questions whose checks use a copy, in the order they run."""
        self.notebook = notebook
        self.order = list(order)
        self.ahead = bool(getattr(notebook, "separate_copies", False))
        self._question: str | None = None
        self._shared = None  # the current question's copy
        self._own: list = []
        self._next: tuple | None = None  # (question, thread, [copy]) being forked ahead

    def for_check(self, question: str, seed: int, fresh: bool = False):
        """A copy for a check of ``question``, seeded with ``seed``."""
        if fresh:
            self._own.append(self.notebook.fork(seed))
            return self._own[-1]
        copy = self._shared
        if copy is None or question != self._question or not copy.usable:
            if copy is not None:
                self._learn(self._question, copy)
                copy.kill()
            self._question, self._shared = question, None
            copy = self._take_ahead(question) or self.notebook.fork(seed)
            self._shared = copy
            self._fork_ahead(after=question)
        copy.reset(seed)
        return copy

    def after_check(self):
        """A check's own copies end with it."""
        for copy in self._own:
            copy.kill()
        self._own.clear()

    def close(self):
        self.after_check()
        ahead = self._take_ahead(None)
        if self._shared is not None:
            self._learn(self._question, self._shared)
        for copy in (ahead, self._shared):
            if copy is not None:
                copy.kill()
        self._shared = None

    def _learn(self, question, copy):
        """What a copy of ``question`` wrote, for the copies made ahead for it later (only those are)."""
        if self.ahead and question in self.order[1:]:
            hot_pages.LEARNED.learn(question, copy)

    # --- the next question's copy, forked while this one's checks run --------
    def _fork_ahead(self, after: str):
        if not self.ahead or after not in self.order or self.order.index(after) + 1 >= len(self.order):
            return
        made: list = []
        question = self.order[self.order.index(after) + 1]

        def fork():
            try:
                copy = self.notebook.fork(0)  # reseeded by its first check's reset
                # The pages its checks will write are copied here, not on first write during them.
                hot_pages.LEARNED.copy_ahead(question, copy)
                made.append(copy)
            except StudentCodeError:
                pass  # forked again when needed, which then reports what goes wrong

        thread = threading.Thread(target=fork, name="fork-next-copy", daemon=True)
        thread.start()
        self._next = (question, thread, made)

    def _take_ahead(self, question):
        """The copy forked ahead for ``question``, or None (any other is killed)."""
        if self._next is None:
            return None
        wanted, thread, made = self._next
        self._next = None
        thread.join()
        copy = made[0] if made else None
        if copy is not None and (wanted != question or not copy.usable):
            copy.kill()
            copy = None
        return copy
