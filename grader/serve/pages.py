"""The app's pages (Starlette): class summary, student list, each student's feedback and results.json, the
review queue, and the CSV export. ``create_app`` puts them behind the guard.

Pages are rendered with jinja2 (autoescape on); student text reaches them
only as template values or through ``answer_html``. The summary and
feedback pages are the ones ``grader grade`` writes (``render_class_summary``,
``render_feedback``), with reviews applied and the app's navigation added;
their policy lets their own inline code run but forbids any request or form
they could make, as a second line behind their escaping.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import markupsafe
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from grader.errors import ReviewConflict, ReviewError
from grader.export import gradebook_csv
from grader.gradescope.results import gradescope_results
from grader.outputs.class_summary import render_class_summary, summarise
from grader.outputs.feedback import render_feedback
from grader.outputs.notebook_html import graded_notebook
from grader.review import Review, check_review, review_checks
from grader.serve import queue
from grader.serve.answer_html import answer_html
from grader.serve.guard import Guard
from grader.serve.similarity_pages import SimilarityPages
from grader.serve.store import ClassStore
from grader.text import printable

HERE = Path(__file__).parent
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# Every value a template prints goes through printable: ids, answers and comments may hold control characters.
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)
_ENV.filters["points"] = lambda value: f"{value:.4g}"
_ENV.filters["exact"] = lambda value: f"{value:.6g}"
_ENV.filters["count"] = lambda value: f"{value:,}"
GRADER_PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                      "img-src 'self' data:; connect-src 'none'; form-action 'none'; base-uri 'none'; "
                      "frame-ancestors 'none'")
MAX_COMMENT = 5000
SHARING = ("Other reviewers may work at the same time (another grader serve on this folder, or grader review): "
           "a save made from a page older than their review of that answer is refused and says so.")


def create_app(store: ClassStore, guard: Guard, refresher=None) -> Starlette:
    """The app serving ``store``'s class; ``refresher`` (an OutputRefresher) hears of each saved review."""
    pages, similarity = _Pages(store, guard, refresher), SimilarityPages(store)
    routes = [
        Route("/", pages.summary),
        Route("/students", pages.students),
        Route("/review", pages.review, methods=["GET"]),
        Route("/review", pages.save, methods=["POST"]),
        Route("/export.csv", pages.export),
        Route("/similarity", similarity.index),
        Route("/similarity/pair", similarity.pair),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{student}/feedback.html", pages.feedback),
        Route("/{student}/results.json", pages.results),
    ]
    return Starlette(routes=routes, middleware=[Middleware(guard)])


def _page(name: str, code: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(name).render(**context), status_code=code)


def _with_nav(html: str, nav: str) -> str:
    """The grader's page with the app's navigation first in its body."""
    body = re.search(r"<body\b[^>]*>", html, re.I)
    at = body.end() if body else 0
    return html[:at] + nav + html[at:]


class _Pages:
    def __init__(self, store: ClassStore, guard: Guard, refresher):
        self.store, self.guard, self.refresher = store, guard, refresher

    def _nav(self, progress) -> str:
        return _ENV.get_template("nav.html.j2").render(progress=progress)

    def _grader_page(self, html: str, progress) -> HTMLResponse:
        return HTMLResponse(_with_nav(html, self._nav(progress)), headers={"Content-Security-Policy": GRADER_PAGE_POLICY})

    # --- pages the grader writes too ----------------------------------------------------------------
    def summary(self, request: Request):
        with self.store.gradebook() as gradebook:
            snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        reports = [self.store.reviewed(r, reviews) for r in snapshot.reports.values()]
        html = render_class_summary(summarise(reports, self.store.assignment), self.store.assignment)
        return self._grader_page(html, queue.progress(snapshot.items, reviews))

    def feedback(self, request: Request):
        student = request.path_params["student"]
        with self.store.gradebook() as gradebook:
            snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        if student not in snapshot.reports:
            return self._missing(f"No graded submission for {student}.", snapshot, reviews)
        report = self.store.reviewed(snapshot.reports[student], reviews)
        # The student's notebook as nbconvert renders it, for reviewers as for the student (15.3).
        notebook = graded_notebook(report)
        return self._grader_page(render_feedback(report, self.store.assignment, notebook),
                                 queue.progress(snapshot.items, reviews))

    def results(self, request: Request):
        student = request.path_params["student"]
        with self.store.gradebook() as gradebook:
            snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        if student not in snapshot.reports:
            return JSONResponse({"error": "no graded submission for this student"}, status_code=404)
        return JSONResponse(gradescope_results(self.store.reviewed(snapshot.reports[student], reviews)))

    def export(self, request: Request):
        with self.store.gradebook() as gradebook:
            text = gradebook_csv(gradebook, self.store.assignment)
        name = f"{self.store.assignment.name}-scores.csv"
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # --- the app's own pages ------------------------------------------------------------------------
    def students(self, request: Request):
        with self.store.gradebook() as gradebook:
            snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        rows = []
        for sid, stored in snapshot.reports.items():
            report = self.store.reviewed(stored, reviews)
            waiting = [i for i in snapshot.items if i.student_id == sid and i.question not in reviews.get(sid, {})]
            rows.append({"id": sid, "score": report.score, "max": report.max_score, "error": report.error,
                         "waiting": len(waiting), "first": waiting[0].question if waiting else ""})
        return _page("students.html.j2", rows=rows, progress=queue.progress(snapshot.items, reviews))

    def _missing(self, message: str, snapshot, reviews) -> HTMLResponse:
        return _page("message.html.j2", 404, message=message, progress=queue.progress(snapshot.items, reviews))

    def _filters(self, source) -> tuple[str, str]:
        questions = {q.id for q in self.store.assignment.questions}
        question = source.get("question", "")
        status = source.get("status", queue.AWAITING)
        return (question if question in questions else "", status if status in queue.STATUSES else queue.AWAITING)

    def review(self, request: Request):
        question, status = self._filters(request.query_params)
        key = (request.query_params.get("student", ""), request.query_params.get("answer", ""))
        notice = None
        saved = request.query_params.get("saved")
        if saved:
            notice = f"Saved: {saved}."
        with self.store.gradebook() as gradebook:
            return self._review_page(gradebook, question, status, key, notice=notice)

    def _review_page(self, gradebook, question, status, key, *, notice=None, problem=None, entered=None,
                     based_on=None, status_code=200) -> HTMLResponse:
        snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        filtered = queue.matching(snapshot.items, reviews, question, status)
        item = snapshot.index.get(key) or (filtered[0] if filtered else None)
        stored = reviews.get(item.student_id, {}).get(item.question) if item else None
        position = next((n for n, i in enumerate(filtered, 1) if item and i.key == item.key), None)

        def link(target):
            if target is None:
                return None
            return "/review?" + urlencode({"question": question, "status": status, "student": target.student_id,
                                           "answer": target.question})
        questions = [q for q in self.store.assignment.questions
                     if any(i.question == q.id for i in snapshot.items)]
        context = {
            "item": item, "stored": stored, "filtered": len(filtered), "position": position,
            "progress": queue.progress(snapshot.items, reviews),
            "question_progress": queue.progress([i for i in snapshot.items if i.question == question], reviews)
            if question else None,
            "question": question, "status": status, "statuses": queue.STATUSES, "questions": questions,
            "next": link(queue.after(snapshot.items, filtered, item.key)) if item else None,
            "previous": link(queue.before(snapshot.items, filtered, item.key)) if item else None,
            "answer": answer_html(item.text, item.matched) if item else "",
            "concepts": [{"pattern": c, "matched": c in item.matched} for c in item.concepts] if item else [],
            "entered": entered or ({"score": f"{stored.score:g}", "comment": stored.comment} if stored
                                   else {"score": "", "comment": ""}),
            "based_on": based_on if based_on is not None else (stored.reviewed_at if stored else ""),
            "notice": notice, "problem": problem, "csrf": self.guard.csrf, "sharing": SHARING,
        }
        return _page("review.html.j2", status_code, **context)

    async def save(self, request: Request):
        form = await request.form()
        if not self.guard.form_ok(form):
            return Response("403: this form lacks its CSRF token; reload the review page and save again.\n",
                            status_code=403, media_type="text/plain")
        fields = {name: str(form.get(name, "")) for name in
                  ("student", "answer", "score", "comment", "based_on", "question", "status")}
        return await run_in_threadpool(self._save, fields)

    def _save(self, fields: dict) -> Response:
        question, status = self._filters(fields)
        key = (fields["student"], fields["answer"])
        entered = {"score": fields["score"], "comment": fields["comment"]}
        with self.store.gradebook() as gradebook:
            snapshot = self.store.snapshot(gradebook)
            if key not in snapshot.index:
                return self._missing(f"{key[0]} has no written answer to {key[1]}.", snapshot, gradebook.reviews())
            again = {"entered": entered, "status_code": 422}
            try:
                score = float(fields["score"])
            except ValueError:
                return self._review_page(gradebook, question, status, key, based_on=fields["based_on"],
                                         problem="Not saved: the score must be a number of points.", **again)
            if not math.isfinite(score):
                return self._review_page(gradebook, question, status, key, based_on=fields["based_on"],
                                         problem="Not saved: the score must be a finite number of points.", **again)
            if len(fields["comment"]) > MAX_COMMENT:
                return self._review_page(gradebook, question, status, key, based_on=fields["based_on"],
                                         problem=f"Not saved: keep the comment under {MAX_COMMENT:,} characters.",
                                         **again)
            report = snapshot.reports[key[0]]
            top = sum(c.max_score for c in review_checks(report, key[1]))
            # The page shows points to 6 significant digits: a maximum typed as shown may pass the exact one
            # by rounding; that is the maximum.
            score = top if top < score <= top + 1e-6 else score
            review = Review(key[0], key[1], score, fields["comment"].strip())
            try:
                check_review(report, review)
                review = gradebook.save_review(review, based_on=fields["based_on"])
            except ReviewConflict as conflict:
                stored = conflict.stored
                return self._review_page(gradebook, question, status, key, entered=entered, status_code=409,
                                         based_on=stored.reviewed_at if stored else "", problem=str(conflict))
            except ReviewError as exc:
                return self._review_page(gradebook, question, status, key, based_on=fields["based_on"],
                                         problem=f"Not saved: {exc}.", **again)
            if self.refresher is not None:
                self.refresher.mark(review.student_id)
            reviews = gradebook.reviews()
            following = queue.after(snapshot.items, queue.matching(snapshot.items, reviews, question, status), key)
        target = {"question": question, "status": status,
                  "saved": f"{review.student_id} {review.question}, {review.score:g} points"}
        if following is not None:
            target.update(student=following.student_id, answer=following.question)
        return RedirectResponse("/review?" + urlencode(target), status_code=303)
