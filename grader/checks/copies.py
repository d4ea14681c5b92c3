"""The student processes checks run against: copies of the notebook's process, one per question.

A check never runs against the notebook's own process (it must not change
what the next check sees); it gets a copy forked from it. Forking the
notebook's process (some 250 MB of torch and Python objects) costs ~4 ms and
the copy's first call a few more of copy-on-write faults, so a copy per
check was most of a submission's grading time. The checks of one question
share a copy instead, and before each check the copy is reset: torch's
default dtype and grad mode restored, every generator reseeded from the
check's id, the references of earlier checks dropped. A copy that timed out
or stopped is replaced before the next check, so such a failure costs its
own check only; one killed from outside while idle is noticed and replaced
too. A check marked ``fresh_copy`` gets a copy of its own, discarded after it.

The checks of a question run together, and moving on ends the last
question's copy. Where each copy has a Landlock domain of its own that scopes
signals, the copies of all the later questions are forked in the background,
one after another, as soon as the first question's checks start, so a
question rarely waits for its copy (a short question would otherwise finish
before the next copy was ready). Elsewhere a copy could signal (stop, kill)
the ones waiting, and cost another question a check, so copies are made one
at a time, when needed.
"""
from __future__ import annotations

import threading

from grader.core.errors import StudentCodeError
from grader.sandbox.student_side import hot_pages

FRESH_MARKER = "fresh_copy"


class _Ahead:
    """A copy being forked ahead for one question: ``ready`` is set once ``copy`` is made (or not)."""

    def __init__(self):
        self.ready = threading.Event()
        self.copy = None


class CheckCopies:
    def __init__(self, notebook, order=()):
        """``order``: the questions whose checks use a copy, in the order they run."""
        self.notebook = notebook
        self.order = list(order)
        self.ahead = bool(getattr(notebook, "separate_copies", False))
        self._question: str | None = None
        self._shared = None  # the current question's copy
        self._own: list = []
        self._waiting: dict[str, _Ahead] = {}  # the later questions' copies, forked ahead
        self._forker: threading.Thread | None = None
        self._lock = threading.Lock()  # between the forker handing over a copy and close()
        self._closed = False

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
            if self._forker is None:
                self._fork_ahead(after=question)
        copy.reset(seed)
        return copy

    def after_check(self):
        """A check's own copies end with it."""
        for copy in self._own:
            copy.kill()
        self._own.clear()

    def close(self):
        """End every copy. A fork under way in the background is not waited for: its copy is ended
        as it is handed over (and with the notebook's process, killed next, it cannot be made)."""
        self.after_check()
        with self._lock:
            self._closed = True
            waiting = [slot.copy for slot in self._waiting.values() if slot.copy is not None]
            self._waiting.clear()
        if self._shared is not None:
            self._learn(self._question, self._shared)
        for copy in (*waiting, self._shared):
            if copy is not None:
                copy.kill()
        self._shared = None

    def _learn(self, question, copy):
        """What a copy of ``question`` wrote, for the copies made ahead for it later (only those are)."""
        if self.ahead and question in self.order[1:]:
            hot_pages.LEARNED.learn(question, copy)

    # --- the later questions' copies, forked while this one's checks run ---------
    def _fork_ahead(self, after: str):
        if not self.ahead or after not in self.order:
            return
        later = self.order[self.order.index(after) + 1:]
        if not later:
            return
        self._waiting = {question: _Ahead() for question in later}
        slots = list(self._waiting.items())

        def fork_all():
            for question, slot in slots:
                try:
                    copy = self.notebook.fork(0)  # reseeded by its first check's reset
                    # The pages its checks will write are copied here, not on first write during them.
                    hot_pages.LEARNED.copy_ahead(question, copy)
                except StudentCodeError:
                    copy = None  # forked again when needed, which then reports what goes wrong
                with self._lock:
                    if self._closed and copy is not None:
                        copy.kill()
                    elif not self._closed:
                        slot.copy = copy
                slot.ready.set()
                if self._closed:
                    break

        self._forker = threading.Thread(target=fork_all, name="fork-later-copies", daemon=True)
        self._forker.start()

    def _take_ahead(self, question):
        """The copy forked ahead for ``question`` (waiting for it if under way), or None. Copies of
        questions passed over are ended."""
        if question in self.order:
            for passed in [q for q in self._waiting if self.order.index(q) < self.order.index(question)]:
                copy = self._claim(passed)
                if copy is not None:
                    copy.kill()
        copy = self._claim(question)
        if copy is not None and not copy.usable:
            copy.kill()
            copy = None
        return copy

    def _claim(self, question):
        """The copy made ahead for ``question``, once its fork is done; None if there is none."""
        slot = self._waiting.get(question)
        if slot is None:
            return None
        slot.ready.wait()
        with self._lock:
            self._waiting.pop(question, None)
            copy, slot.copy = slot.copy, None
        return copy
