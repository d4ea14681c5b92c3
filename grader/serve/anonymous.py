"""Anonymous review: with ``grader serve --anonymous`` the review queue and the answer groups show each
student as a handle (``anon-`` and 12 hex digits) instead of their id, in the page, its links and its
forms alike; ids come back only where results leave the app (the CSV export, results.json, the
feedback pages, which the queue does not link to in this mode).

A handle is an HMAC of the id under a secret drawn when the server starts, so it says nothing about the
id, stays the same for the server's lifetime (links and forms keep working) and differs between servers.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets


class StudentIds:
    """How the queue names students: as themselves, or (``anonymous``) by handle."""

    def __init__(self, anonymous: bool = False, secret: bytes | None = None):
        self.anonymous = anonymous
        self._secret = secret or secrets.token_bytes(32)
        self._known: dict[str, str] = {}

    def shown(self, student_id: str) -> str:
        """What the page prints and links with for ``student_id``."""
        if not self.anonymous:
            return student_id
        handle = "anon-" + hmac.new(self._secret, student_id.encode(), hashlib.sha256).hexdigest()[:12]
        self._known[handle] = student_id
        return handle

    def resolve(self, shown: str, students=()) -> str:
        """The student id a page's ``shown`` name stands for ("" when unknown); ``students`` are the ids a
        handle may stand for (the class), for handles this server has not printed since it started."""
        if not self.anonymous:
            return shown
        if shown not in self._known:
            for student in students:
                self.shown(student)
        return self._known.get(shown, "")

    def hide(self, text: str, student_id: str) -> str:
        """``text`` (a message) with ``student_id`` replaced by its handle."""
        return text.replace(student_id, self.shown(student_id)) if self.anonymous else text
