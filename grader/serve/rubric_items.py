"""The review app's rubric items and answer groups: the pages ``/groups`` (a question's answers in groups,
largest first, items applied to a whole group at once) and ``/rubric`` (a question's items, added and
edited; an edit re-scores every answer the item was applied to), and what the review page of one answer
needs to apply items (``answer_items``, ``save_answer_items``).

Links and forms here are relative (``groups?...``, ``review?...``), so they stay right wherever the app's
pages are mounted. Student ids are printed through ``StudentIds`` (anonymous review hides them).
"""
from __future__ import annotations

import hashlib
import math
import threading
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.scoring.answer_groups import group_answers
from grader.core.errors import ReviewConflict, ReviewError
from grader.scoring.reviews import Review
from grader.scoring.rubric_items import RubricItem, check_item, load_rubric
from grader.serve import queue
from grader.serve.answer_html import answer_html
from grader.serve.suggestion import suggestion_hint

MAX_COMMENT = 5000
MAX_LABEL = 200


def digits_only(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def seed_rubric(store) -> None:
    """The assignment folder's rubric.toml items, for the questions the gradebook holds none of yet."""
    items = load_rubric(store.assignment.folder, store.assignment)
    if items:
        with store.gradebook() as gradebook:
            gradebook.seed_rubric(items)


class _Groups:
    """Each question's answer groups, computed once per grade (the answers change only then)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._version = None
        self._groups: dict[str, tuple] = {}

    def of(self, snapshot, question: str):
        with self._lock:
            if self._version != snapshot.version:
                self._version, self._groups = snapshot.version, {}
            if question not in self._groups:
                answers = [(i.student_id, i.text) for i in snapshot.items if i.question == question]
                self._groups[question] = group_answers(question, answers)
            return self._groups[question]


def _number(text: str, default: float | None = None) -> float | None:
    try:
        value = float(text) if text.strip() else default
    except ValueError:
        return None
    return value if value is None or math.isfinite(value) else None


def _item_ids(values) -> list[int]:
    return sorted({int(v) for v in values if digits_only(str(v))})


def question_links(question: str) -> dict:
    """Links to a question's answer groups and rubric items (the first written question's for "")."""
    return {"groups_link": "groups?" + urlencode({"question": question}),
            "rubric_link": "rubric?" + urlencode({"question": question})}


def answer_items(gradebook, item, stored, ids) -> dict:
    """The review page's context for applying items to ``item`` (a queue.ReviewItem)."""
    rubric = gradebook.rubric_items(item.question)
    applied = set(gradebook.applied_item_ids(item.student_id, item.question)) if stored else set()
    return {"rubric": rubric, "applied": applied,
            "adjustment": f"{stored.adjustment:g}" if stored is not None and stored.items else "",
            "hint": suggestion_hint(item.text, item.concepts, item.matched),
            "shown_id": ids.shown(item.student_id), **question_links(item.question)}


def save_answer_items(gradebook, item, fields) -> Review:
    """Score ``item`` by the items checked in ``fields`` (the review form); ReviewError/ReviewConflict when
    it cannot be saved as given."""
    adjustment = _number(fields.get("adjustment", ""), 0.0)
    if adjustment is None:
        raise ReviewError("the adjustment must be a number of points (negative to take points off)")
    if len(fields.get("comment", "")) > MAX_COMMENT:
        raise ReviewError(f"keep the comment under {MAX_COMMENT:,} characters")
    return gradebook.save_item_reviews([(item.student_id, item.question, item.max_score)], fields["items"],
                                       adjustment, fields.get("comment", "").strip(),
                                       based_on={item.student_id: fields.get("based_on", "")})[0]


def _digest(members, reviews) -> str:
    """What the group looked like to the reviewer: its members and their reviews' times."""
    seen = "\n".join(f"{m}\0{reviews.get(m, {}).get(q) and reviews[m][q].reviewed_at}" for m, q in members)
    return hashlib.sha256(seen.encode()).hexdigest()[:24]


class RubricPages:
    def __init__(self, store, guard, refresher, ids, page):
        """``page(template, status code, **context)`` renders one of the app's pages."""
        self.store, self.guard, self.refresher, self.ids = store, guard, refresher, ids
        self._page = page
        self._groups = _Groups()

    def _written_questions(self, snapshot):
        return [q for q in self.store.assignment.questions if any(i.question == q.id for i in snapshot.items)]

    def _question(self, snapshot, asked: str) -> str:
        ids = [q.id for q in self._written_questions(snapshot)]
        return asked if asked in ids else (ids[0] if ids else "")

    # --- answer groups ------------------------------------------------------------------------------
    def groups(self, request: Request):
        params = request.query_params
        notice = f"Saved: {params['saved']}." if params.get("saved") else None
        with self.store.gradebook() as gradebook:
            return self._groups_page(gradebook, params.get("question", ""), params.get("group", ""),
                                     params.get("status", queue.AWAITING), notice=notice)

    def _groups_page(self, gradebook, asked, group_id, status, *, notice=None, problem=None, entered=None,
                     status_code=200):
        snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        question = self._question(snapshot, asked)
        status = status if status in (queue.AWAITING, queue.ALL) else queue.AWAITING
        groups = self._groups.of(snapshot, question) if question else ()

        def awaiting(group):
            return [s for s in group.students if question not in reviews.get(s, {})]
        rows = [{"group": g, "awaiting": len(awaiting(g)),
                 "link": "groups?" + urlencode({"question": question, "group": g.id, "status": status})}
                for g in groups]
        current = next((r for r in rows if r["group"].id == group_id), None) \
            or next((r for r in rows if r["awaiting"]), None)
        context = {"question": question, "questions": self._written_questions(snapshot), "rows": rows,
                   "status": status, "notice": notice, "problem": problem, "csrf": self.guard.csrf,
                   "progress": queue.progress(snapshot.items, reviews),
                   "question_progress": queue.progress([i for i in snapshot.items if i.question == question], reviews),
                   "rubric": gradebook.rubric_items(question) if question else [],
                   "rubric_link": "rubric?" + urlencode({"question": question}),
                   "queue_link": "review?" + urlencode({"question": question, "status": queue.AWAITING}),
                   "entered": entered or {"comment": "", "adjustment": "", "items": set()},
                   "current": None}
        if current is not None:
            group = current["group"]
            targets = group.students if status == queue.ALL else awaiting(group)
            first = snapshot.index[(group.students[0], question)]
            context["current"] = {
                "group": group, "awaiting": current["awaiting"], "targets": len(targets),
                "members": [{"shown": self.ids.shown(s), "text": t, "same": t == group.members[0][1],
                             "reviewed": reviews.get(s, {}).get(question),
                             "link": "review?" + urlencode({"question": question, "status": queue.ALL,
                                                            "student": self.ids.shown(s), "answer": question})}
                            for s, t in group.members],
                "answer": answer_html(first.text, first.matched),
                "max_score": first.max_score,
                "targets_field": ",".join(self.ids.shown(s) for s in targets),
                "based_on": _digest([(s, question) for s in targets], reviews),
                "hint": suggestion_hint(first.text, first.concepts, first.matched),
                "suggested": first.suggested,
            }
        return self._page("groups.html.j2", status_code, **context)

    async def save_group(self, request: Request):
        form = await request.form()
        if not self.guard.form_ok(form):
            return Response("403: this form lacks its CSRF token; reload the page and save again.\n",
                            status_code=403, media_type="text/plain")
        fields: dict[str, object] = {name: str(form.get(name, "")) for name in
                                     ("question", "group", "status", "targets", "based_on", "adjustment", "comment")}
        fields["items"] = _item_ids(form.getlist("item"))
        return await run_in_threadpool(self._save_group, fields)

    def _save_group(self, fields) -> Response:
        with self.store.gradebook() as gradebook:
            snapshot = self.store.snapshot(gradebook)
            question = self._question(snapshot, fields["question"])
            entered = {"comment": fields["comment"], "adjustment": fields["adjustment"], "items": set(fields["items"])}

            def again(problem, code=422):
                return self._groups_page(gradebook, question, fields["group"], fields["status"], problem=problem,
                                         entered=entered, status_code=code)
            students = [self.ids.resolve(s, snapshot.reports) for s in fields["targets"].split(",") if s]
            targets = [snapshot.index.get((s, question)) for s in students]
            if not targets or None in targets:
                return again("Not saved: this group's answers changed since the page was loaded; here it is now.", 409)
            if _digest([(s, question) for s in students], gradebook.reviews()) != fields["based_on"]:
                return again("Not saved: someone reviewed answers of this group after this page was loaded. "
                             "Their reviews are kept; check the group and apply again.", 409)
            if not fields["items"]:
                return again("Not saved: choose at least one rubric item (keys 1-9) to apply to the group.")
            adjustment = _number(fields["adjustment"], 0.0)
            if adjustment is None:
                return again("Not saved: the adjustment must be a number of points.")
            if len(fields["comment"]) > MAX_COMMENT:
                return again(f"Not saved: keep the comment under {MAX_COMMENT:,} characters.")
            try:
                saved = gradebook.save_item_reviews([(t.student_id, question, t.max_score) for t in targets],
                                                    fields["items"], adjustment, fields["comment"].strip())
            except ReviewError as exc:
                return again(f"Not saved: {exc}.")
        for review in saved:
            if self.refresher is not None:
                self.refresher.mark(review.student_id)
        scores = sorted({f"{r.score:g}" for r in saved})
        target = {"question": question, "status": fields["status"],
                  "saved": f"{len(saved)} answers to {question}, {' or '.join(scores)} points"}
        return RedirectResponse("groups?" + urlencode(target), status_code=303)

    # --- the rubric's items -------------------------------------------------------------------------
    def rubric(self, request: Request):
        params = request.query_params
        notice = f"Saved: {params['saved']}." if params.get("saved") else None
        with self.store.gradebook() as gradebook:
            return self._rubric_page(gradebook, params.get("question", ""), notice=notice)

    def _rubric_page(self, gradebook, asked, *, notice=None, problem=None, status_code=200):
        snapshot, reviews = self.store.snapshot(gradebook), gradebook.reviews()
        question = self._question(snapshot, asked)
        return self._page("rubric.html.j2", status_code, question=question, notice=notice, problem=problem,
                          questions=self._written_questions(snapshot), csrf=self.guard.csrf,
                          rubric=gradebook.rubric_items(question) if question else [],
                          share=self._share(snapshot, question),
                          groups_link="groups?" + urlencode({"question": question}),
                          queue_link="review?" + urlencode({"question": question, "status": queue.AWAITING}),
                          progress=queue.progress(snapshot.items, reviews))

    @staticmethod
    def _share(snapshot, question) -> float:
        return max((i.max_score for i in snapshot.items if i.question == question), default=0.0)

    async def save_item(self, request: Request):
        form = await request.form()
        if not self.guard.form_ok(form):
            return Response("403: this form lacks its CSRF token; reload the page and save again.\n",
                            status_code=403, media_type="text/plain")
        fields = {name: str(form.get(name, "")) for name in ("question", "id", "key", "label", "points", "comment")}
        return await run_in_threadpool(self._save_item, fields)

    def _save_item(self, fields) -> Response:
        with self.store.gradebook() as gradebook:
            snapshot = self.store.snapshot(gradebook)
            question = self._question(snapshot, fields["question"])
            points = _number(fields["points"])
            if points is None or not digits_only(fields["key"].strip()):
                return self._rubric_page(gradebook, question, status_code=422,
                                         problem="Not saved: points must be a number and the key a digit 1-9.")
            if len(fields["label"]) > MAX_LABEL or len(fields["comment"]) > MAX_COMMENT:
                return self._rubric_page(gradebook, question, status_code=422, problem=(
                    f"Not saved: keep the label under {MAX_LABEL} and the comment under {MAX_COMMENT:,} characters."))
            item = RubricItem(int(fields["id"]) if digits_only(fields["id"]) else 0, question, int(fields["key"]),
                              fields["label"].strip(), points, fields["comment"].strip())
            try:
                check_item(item, {question: self._share(snapshot, question)})
                if item.id:
                    rescored = gradebook.edit_item(item)
                else:
                    gradebook.add_item(item)
                    rescored = []
            except (ReviewConflict, ReviewError) as exc:
                return self._rubric_page(gradebook, question, status_code=422, problem=f"Not saved: {exc}.")
        for student in rescored:
            if self.refresher is not None:
                self.refresher.mark(student)
        said = f"item {item.key} of {question}" + (f"; {len(rescored)} answers re-scored" if item.id else "")
        return RedirectResponse("rubric?" + urlencode({"question": question, "saved": said}), status_code=303)
