"""The app's similarity pages: ``/similarity`` (the class's similar pairs, or one student's with
``?student=``) and ``/similarity/pair?a=...&b=...`` (side by side; no ``b``: the released solution).

The comparison reads every notebook of the class, so it is kept until a
grade is recorded (the gradebook's ``grades_version`` changes). The pages are
the ones ``grader similarity`` writes, with the app's links, under the same
policy: no script at all.
"""
from __future__ import annotations

import threading
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse


class _AppLinks:
    """The app's links, each under ``root`` (the server's key, the first component of every path)."""

    def __init__(self, root: str):
        self.root = root
        self.students = f"{root}/students"

    def pair(self, first: str, second: str | None) -> str:
        query = {"a": first} if second is None else {"a": first, "b": second}
        return f"{self.root}/similarity/pair?" + urlencode(query)

    def index(self, student: str | None = None) -> str:
        return f"{self.root}/similarity" + (f"?{urlencode({'student': student})}" if student else "")


class SimilarityPages:
    def __init__(self, store, root: str):
        self.store = store
        self.links = _AppLinks(root)
        self._cached = None
        self._lock = threading.Lock()

    def _result(self):
        from grader.similarity import find_similar

        with self.store.gradebook() as gradebook:
            version = gradebook.grades_version()
        with self._lock:
            if self._cached is None or self._cached[0] != version:
                self._cached = (version, find_similar(self.store.out_dir, self.store.assignment))
            return self._cached[1]

    def index(self, request: Request):
        from grader.similarity.pages import POLICY, render_similarity_index

        student = request.query_params.get("student") or None
        html = render_similarity_index(self._result(), self.links, student)
        return HTMLResponse(html, headers={"Content-Security-Policy": POLICY})

    def pair(self, request: Request):
        from grader.similarity.pages import POLICY, render_similarity_pair

        result = self._result()
        first, second = request.query_params.get("a", ""), request.query_params.get("b") or None
        known = result.comparison.documents
        if first not in known or (second is not None and second not in known):
            return HTMLResponse("<!DOCTYPE html><title>Not found</title><p>No compared submission by that id.</p>",
                                status_code=404, headers={"Content-Security-Policy": POLICY})
        html = render_similarity_pair(result, first, second, self.links)
        return HTMLResponse(html, headers={"Content-Security-Policy": POLICY})
