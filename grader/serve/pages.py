"""The app's pages (Starlette): class summary, student list, each student's feedback and results.json, the
review queue, and the CSV export. ``create_app`` puts them behind the guard.

Pages are rendered with jinja2 (autoescape on); student text reaches them
only as template values or through ``answer_html``. The summary and
feedback pages are the ones ``grader grade`` writes (``render_class_summary``,
``render_feedback``), with reviews applied and the app's navigation added;
their policy runs no script but the summary's own (by its hash) and forbids
any request or form they could make, as a second line behind their escaping.
Every link an app page makes starts with ``root`` (the key, see ``guard``).
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

from grader.core.errors import ReviewConflict, ReviewError
from grader.classroom.export import gradebook_csv
from grader.outputs.gradescope_results import gradescope_results
from grader.outputs.class_summary import SCRIPT_HASH as SUMMARY_SCRIPT_HASH
from grader.outputs.class_summary import render_class_summary, summarise
from grader.outputs.feedback import render_feedback
from grader.outputs.notebook_html import graded_notebook
from grader.core.points_text import points
from grader.scoring.reviews import Review, check_review, review_checks
from grader.serve import queue
from grader.serve.anonymous import StudentIds
from grader.serve.answer_html import answer_html
from grader.serve.guard import Guard
from grader.serve.similarity_pages import SimilarityPages
from grader.serve.rubric_items import (RubricPages, digits_only, answer_items, question_links, save_answer_items,
                                       seed_rubric)
from grader.serve.store import ClassStore
from grader.core.text import printable

HERE = Path(__file__).parent
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# Every value a template prints goes through printable: ids, answers and comments may hold control characters.
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)
_ENV.filters["points"] = lambda value: f"{value:.4g}"
_ENV.filters["in_points"] = lambda value: points(value, ".4g")  # "1 point", "0.5 points"
_ENV.filters["exact"] = lambda value: f"{value:.6g}"
_ENV.filters["count"] = lambda value: f"{value:,}"
# The grader's pages run no script but the class summary's own, allowed by its hash; their (and the app's
# navigation's) style is inline.
GRADER_PAGE_POLICY = (f"default-src 'none'; script-src '{SUMMARY_SCRIPT_HASH}'; style-src 'unsafe-inline'; "
                      "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; "
                      "frame-ancestors 'none'")
MAX_COMMENT = 5000
NAV_CSS = markupsafe.Markup((HERE / "static" / "nav.css").read_text())  # noqa: S704 - our own file, inlined on grader pages
SHARING = ("Other reviewers may work at the same time (another grader serve on this folder, or grader review): "
           "a save made from a page older than their review of that answer is refused and says so.")


def create_app(store: ClassStore, guard: Guard, refresher=None, anonymous: bool = False) -> Starlette:
    """The app serving ``store``'s class; ``refresher`` (an OutputRefresher) hears of each saved review;
    ``anonymous`` hides student ids in the review queue and the answer groups."""
    seed_rubric(store)
    pages = _Pages(store, guard, refresher, StudentIds(anonymous))
    items = RubricPages(store, guard, refresher, pages.ids, pages._page)
    similarity = SimilarityPages(store, guard.root)
    # In anonymous review the pages that name students are not served: ids come back only on export.
    named = pages.not_anonymous
    routes = [
        Route("/groups", items.groups, methods=["GET"]),
        Route("/groups", items.save_group, methods=["POST"]),
        Route("/rubric", items.rubric, methods=["GET"]),
        Route("/rubric", items.save_item, methods=["POST"]),
        Route("/", pages.to_queue if anonymous else pages.summary),
        Route("/students", named(pages.students)),
        Route("/review", pages.review, methods=["GET"]),
        Route("/review", pages.save, methods=["POST"]),
        Route("/export.csv", pages.export),
        Route("/similarity", named(similarity.index)),
        Route("/similarity/pair", named(similarity.pair)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{student}/feedback.html", named(pages.feedback)),
        Route("/{student}/results.json", named(pages.results)),
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
    def __init__(self, store: ClassStore, guard: Guard, refresher, ids: StudentIds | None = None):
        self.store, self.guard, self.refresher = store, guard, refresher
        self.ids = ids or StudentIds()

    def _page(self, name: str, code: int = 200, **context) -> HTMLResponse:
        """An app page; ``root`` (the key) starts every link it makes."""
        return _page(name, code, **{"root": self.guard.root, "anonymous": self.ids.anonymous, **context})

    def to_queue(self, request: Request):
        """The printed address in anonymous review: the queue (the class summary names students)."""
        return RedirectResponse(self.guard.root + "/review", status_code=303)

    def not_anonymous(self, endpoint):
        """``endpoint``, or in anonymous review a page saying it is not shown (it names students)."""
        if not self.ids.anonymous:
            return endpoint

        def hidden(request: Request):
            with self.store.gradebook() as gradebook:
                snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
            return self._page("message.html.j2", 404, progress=queue.progress(snapshot.items, reviews),
                              message="Not shown in anonymous review: this page names students. Student ids "
                                      "come back in Export CSV, or restart grader serve without --anonymous.")
        return hidden

    def _nav(self, progress) -> str:
        return _ENV.get_template("nav.html.j2").render(progress=progress, root=self.guard.root, nav_css=NAV_CSS,
                                                        anonymous=self.ids.anonymous)

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
            answers = [i for i in snapshot.items if i.student_id == sid]
            waiting = [i for i in answers if i.question not in reviews.get(sid, {})]
            rows.append({"id": sid, "score": report.score, "max": report.max_score, "error": report.error,
                         "answers": len(answers), "waiting": len(waiting),
                         "first": waiting[0].question if waiting else ""})
        return self._page("students.html.j2", rows=rows, progress=queue.progress(snapshot.items, reviews))

    def _missing(self, message: str, snapshot, reviews) -> HTMLResponse:
        return self._page("message.html.j2", 404, message=message, progress=queue.progress(snapshot.items, reviews))

    def _filters(self, source) -> tuple[str, str]:
        questions = {q.id for q in self.store.assignment.questions}
        question = source.get("question", "")
        status = source.get("status", queue.AWAITING)
        return (question if question in questions else "", status if status in queue.STATUSES else queue.AWAITING)

    def review(self, request: Request):
        question, status = self._filters(request.query_params)
        notice = None
        saved = request.query_params.get("saved")
        if saved:
            notice = f"Saved: {saved}."
        with self.store.gradebook() as gradebook:
            key = (self.ids.resolve(request.query_params.get("student", ""), self.store.snapshot(gradebook).reports),
                   request.query_params.get("answer", ""))
            return self._review_page(gradebook, question, status, key, notice=notice)

    def _queue(self, snapshot):
        """The written answers in review order: by student id, or, reviewing anonymously, by handle (an id's
        place in the class list would say who it is)."""
        if not self.ids.anonymous:
            return snapshot.items
        return tuple(sorted(snapshot.items, key=lambda item: self.ids.shown(item.student_id)))

    def _review_page(self, gradebook, question, status, key, *, notice=None, problem=None, entered=None,
                     based_on=None, status_code=200) -> HTMLResponse:
        snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        items = self._queue(snapshot)
        filtered = queue.matching(items, reviews, question, status)
        item = snapshot.index.get(key) or (filtered[0] if filtered else None)
        stored = reviews.get(item.student_id, {}).get(item.question) if item else None
        position = next((n for n, i in enumerate(filtered, 1) if item and i.key == item.key), None)

        def link(target):
            if target is None:
                return None
            return self.guard.root + "/review?" + urlencode({"question": question, "status": status,
                                           "student": self.ids.shown(target.student_id), "answer": target.question})
        questions = [q for q in self.store.assignment.questions
                     if any(i.question == q.id for i in snapshot.items)]
        context = {
            "item": item, "stored": stored, "filtered": len(filtered), "position": position,
            "progress": queue.progress(snapshot.items, reviews),
            "question_progress": queue.progress([i for i in snapshot.items if i.question == question], reviews)
            if question else None,
            "question": question, "status": status, "statuses": queue.STATUSES, "questions": questions,
            "next": link(queue.after(items, filtered, item.key)) if item else None,
            "previous": link(queue.before(items, filtered, item.key)) if item else None,
            "answer": answer_html(item.text, item.matched) if item else "",
            "concepts": [{"pattern": c, "matched": c in item.matched} for c in item.concepts] if item else [],
            "entered": entered or ({"score": f"{stored.score:g}", "comment": stored.comment} if stored
                                   else {"score": "", "comment": ""}),
            "based_on": based_on if based_on is not None else (stored.reviewed_at if stored else ""),
            "notice": notice, "problem": problem, "csrf": self.guard.csrf, "sharing": SHARING,
            "anonymous": self.ids.anonymous,
            **(answer_items(gradebook, item, stored, self.ids) if item else question_links(question)),
        }
        return self._page("review.html.j2", status_code, **context)

    async def save(self, request: Request):
        form = await request.form()
        if not self.guard.form_ok(form):
            return Response("403: this form lacks its CSRF token; reload the review page and save again.\n",
                            status_code=403, media_type="text/plain")
        fields: dict[str, object] = {name: str(form.get(name, "")) for name in
                                     ("student", "answer", "score", "comment", "based_on", "question", "status",
                                      "adjustment")}
        fields["items"] = sorted({int(str(v)) for v in form.getlist("item") if digits_only(str(v))})
        return await run_in_threadpool(self._save, fields)

    def _save(self, fields: dict) -> Response:
        question, status = self._filters(fields)
        entered = {"score": fields["score"], "comment": fields["comment"]}
        with self.store.gradebook() as gradebook:
            snapshot = self.store.snapshot(gradebook)
            key = (self.ids.resolve(fields["student"], snapshot.reports), fields["answer"])
            if key not in snapshot.index:
                return self._missing(f"{fields['student']} has no written answer to {key[1]}.", snapshot,
                                     gradebook.reviews())
            again = {"entered": entered, "status_code": 422}
            if fields["items"]:
                return self._store(lambda: save_answer_items(gradebook, snapshot.index[key], fields),
                                  gradebook, snapshot, question, status, key, fields, entered)
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

            def save():
                check_review(report, review)
                return gradebook.save_review(review, based_on=fields["based_on"])

            return self._store(save, gradebook, snapshot, question, status, key, fields, entered)

    def _store(self, save, gradebook, snapshot, question, status, key, fields, entered) -> Response:
        """Run ``save`` (returns the stored review): the redirect to the next answer, or the review page again
        with why nothing was saved (409 when another tab saved first, 422 when the review is refused)."""
        try:
            review = save()
        except ReviewConflict as conflict:
            stored = conflict.stored
            return self._review_page(gradebook, question, status, key, entered=entered, status_code=409,
                                     based_on=stored.reviewed_at if stored else "",
                                     problem=self.ids.hide(str(conflict), key[0]))
        except ReviewError as exc:
            return self._review_page(gradebook, question, status, key, based_on=fields["based_on"],
                                     problem=f"Not saved: {exc}.", entered=entered, status_code=422)
        return self._saved(gradebook, snapshot, review, question, status, key)

    def _saved(self, gradebook, snapshot, review, question, status, key) -> Response:
        """The redirect to the answer after ``key`` once ``review`` is saved."""
        if self.refresher is not None:
            self.refresher.mark(review.student_id)
        reviews = gradebook.reviews()
        items = self._queue(snapshot)
        following = queue.after(items, queue.matching(items, reviews, question, status), key)
        target = {"question": question, "status": status,
                  "saved": f"{self.ids.shown(review.student_id)} {review.question}, {points(review.score)}"}
        if following is not None:
            target.update(student=self.ids.shown(following.student_id), answer=following.question)
        return RedirectResponse(self.guard.root + "/review?" + urlencode(target), status_code=303)
