"""Rubric items, answer groups, the suggestion's guard and anonymous handles, without a kernel: the scoring
rule, rubric.toml, the gradebook's items (an edit re-scores exactly the answers it was applied to, the
earlier scores kept), an older gradebook opened, near-duplicate answers grouped."""
import sqlite3

import pytest

from helpers import ASSIGNMENT
from grader.scoring.answer_groups import group_answers, identical_answers, normalise
from grader.core.errors import ReviewConflict, ReviewError
from grader.classroom.gradebook import Gradebook
from grader.core.records import REVIEW, CheckOutcome, QuestionScore, ScoredCheck
from grader.scoring.reviews import Review
from grader.scoring.rubric_items import RubricItem, items_score, load_rubric
from grader.serve.anonymous import StudentIds
from grader.serve.suggestion import suggestion_hint


def test_items_score_adds_credit_from_zero_and_takes_deductions_from_the_whole_share():
    assert items_score([0.5], 0, 1) == 0.5
    assert items_score([0.5, 0.25], 0, 1) == 0.75
    assert items_score([-0.25], 0, 1) == 0.75  # deductions only: from the whole share
    assert items_score([1, -0.5], 0, 1) == 0.5
    assert items_score([1, 0.5], 0, 1) == 1  # never above the share
    assert items_score([-1, -0.5], 0, 1) == 0  # never below 0
    assert items_score([0.5], -0.2, 1) == 0.3  # the free-form adjustment
    assert items_score([], 0.4, 1) == 0.4


def test_the_bundled_rubric_loads_and_a_broken_one_says_what_to_fix(tmp_path):
    items = load_rubric(ASSIGNMENT.folder, ASSIGNMENT)
    assert {i.question for i in items} == {"q1", "q2", "q3", "q4", "q5", "q6"}
    assert all(1 <= i.key <= 9 and i.comment for i in items)
    (tmp_path / "rubric.toml").write_text('[[items]]\nquestion = "q5"\nkey = 1\nlabel = "a"\npoints = 1\n'
                                          '[[items]]\nquestion = "q5"\nkey = 1\nlabel = "b"\npoints = 0.5\n')
    with pytest.raises(ReviewError, match="share key 1"):
        load_rubric(tmp_path, ASSIGNMENT)
    (tmp_path / "rubric.toml").write_text('[[items]]\nquestion = "q5"\nkey = 1\nlabel = "a"\npoints = 3\n')
    with pytest.raises(ReviewError, match="between -1 and 1"):
        load_rubric(tmp_path, ASSIGNMENT)
    (tmp_path / "rubric.toml").write_text('[[items]]\nquestion = "q9"\nkey = 10\nlabel = "a"\npoints = 1\n')
    with pytest.raises(ReviewError, match="not a written question"):
        load_rubric(tmp_path, ASSIGNMENT)
    assert load_rubric(tmp_path / "nowhere") == []


def _gradebook_with_items(folder):
    gradebook = Gradebook(folder)
    gradebook.seed_rubric([RubricItem(0, "q5", 1, "two methods", 1.0, "Right."),
                           RubricItem(0, "q5", 2, "one method", 0.5, "Name a second."),
                           RubricItem(0, "q5", 3, "repeats weight decay", -0.5, "Excluded by the question.")])
    return gradebook, {i.key: i for i in gradebook.rubric_items("q5")}


def test_editing_an_item_rescores_exactly_the_answers_it_was_applied_to_and_keeps_the_earlier_scores(tmp_path):
    gradebook, items = _gradebook_with_items(tmp_path)
    gradebook.save_item_reviews([("a", "q5", 1.0), ("b", "q5", 1.0)], [items[2].id])
    gradebook.save_item_reviews([("c", "q5", 1.0)], [items[1].id])
    gradebook.save_item_reviews([("d", "q5", 1.0)], [items[2].id, items[3].id], adjustment=0.25, comment="close")
    gradebook.save_review(Review("e", "q5", 0.8, "typed"))
    before = {s: q["q5"].score for s, q in gradebook.reviews().items()}
    assert before == {"a": 0.5, "b": 0.5, "c": 1.0, "d": 0.25, "e": 0.8}
    changed = gradebook.edit_item(RubricItem(items[2].id, "q5", 2, "one method", 0.75, "One method, well explained."))
    after = {s: q["q5"] for s, q in gradebook.reviews().items()}
    assert sorted(changed) == ["a", "b", "d"]
    assert {s: r.score for s, r in after.items()} == {"a": 0.75, "b": 0.75, "c": 1.0, "d": 0.5, "e": 0.8}
    assert after["d"].comment == "close" and after["d"].adjustment == 0.25
    assert [i.comment for i in after["a"].items] == ["One method, well explained."]
    assert [r.score for r in gradebook.review_history("a", "q5")] == [0.5]
    assert gradebook.review_history("c", "q5") == []
    # A typed score replaces the items: a later edit of the item leaves that answer alone.
    gradebook.save_review(Review("a", "q5", 0.1, "typed over"))
    gradebook.edit_item(RubricItem(items[2].id, "q5", 2, "one method", 0.5, "x"))
    assert gradebook.reviews()["a"]["q5"].score == 0.1 and gradebook.reviews()["a"]["q5"].items == ()
    assert [r.score for r in gradebook.review_history("a", "q5")] == [0.5, 0.75]
    gradebook.close()


def test_item_saves_refuse_a_stale_page_a_taken_key_and_an_item_of_another_question(tmp_path):
    gradebook, items = _gradebook_with_items(tmp_path)
    gradebook.save_item_reviews([("a", "q5", 1.0)], [items[1].id], based_on={"a": ""})
    with pytest.raises(ReviewConflict):
        gradebook.save_item_reviews([("a", "q5", 1.0)], [items[2].id], based_on={"a": ""})
    with pytest.raises(ReviewError, match="key 1 already applies"):
        gradebook.add_item(RubricItem(0, "q5", 1, "again", 0.5))
    other = gradebook.add_item(RubricItem(0, "q6", 1, "gauss and laplace", 1.0))
    with pytest.raises(ReviewError, match="another question"):
        gradebook.save_item_reviews([("a", "q5", 1.0)], [other.id])
    assert gradebook.reviews()["a"]["q5"].score == 1.0
    gradebook.close()


def test_a_gradebook_made_before_rubric_items_opens_and_keeps_its_reviews(tmp_path):
    with Gradebook(tmp_path) as gradebook:
        gradebook.save_review(Review("a", "q5", 0.5, "kept"))
    db = sqlite3.connect(tmp_path / "gradebook.sqlite")
    for table in ("rubric_items", "applied_items", "item_reviews", "review_history"):
        db.execute(f"DROP TABLE {table}")
    db.commit()
    db.close()
    gradebook, items = _gradebook_with_items(tmp_path)
    assert gradebook.reviews()["a"]["q5"].comment == "kept"
    gradebook.save_item_reviews([("a", "q5", 1.0)], [items[1].id])
    assert gradebook.reviews()["a"]["q5"].score == 1.0
    assert [r.comment for r in gradebook.review_history("a", "q5")] == ["kept"]
    gradebook.close()


def test_seeding_adds_a_questions_items_once_and_never_over_edited_ones(tmp_path):
    gradebook, items = _gradebook_with_items(tmp_path)
    gradebook.edit_item(RubricItem(items[1].id, "q5", 1, "edited", 1.0, ""))
    assert gradebook.seed_rubric(load_rubric(ASSIGNMENT.folder, ASSIGNMENT)) > 0
    q5 = gradebook.rubric_items("q5")
    assert len(q5) == 3 and q5[0].label == "edited"
    assert gradebook.rubric_items("q6")
    gradebook.close()


def test_normalising_ignores_case_markup_punctuation_and_spacing():
    assert normalise("**Early  stopping**, and _dropout_!\n") == normalise("early stopping and dropout") \
        == "early stopping and dropout"


def test_near_duplicate_answers_share_a_group_and_unlike_ones_do_not_largest_first():
    answers = [("s1", "Dropout and early stopping both reduce overfitting."),
               ("s2", "Data augmentation enlarges the training set."),
               ("s3", "dropout and early stopping both reduce overfitting"),
               ("s4", "Dropout and early stoping both reduce overfiting."),  # two typos
               ("s5", "Early stopping and dropout both reduce overfitting."),  # words swapped
               ("s6", ""),
               ("s7", "Data augmentation enlarges the training set!"),
               ("s8", "Label smoothing keeps the model from being overconfident.")]
    groups = group_answers("q5", answers)
    assert [g.students for g in groups] == [("s1", "s3", "s4", "s5"), ("s2", "s7"), ("s6",), ("s8",)]
    assert groups[0].exact == 2 and len({g.id for g in groups}) == 4
    assert group_answers("q5", reversed(answers))[0].id in {g.id for g in groups}


def test_identical_answers_are_counted_per_question_and_empty_ones_are_not():
    class Answer:
        def __init__(self, text):
            self.text = text

    class Report:
        def __init__(self, sid, q5, q6):
            self.submission_id, self.answers = sid, {"q5": Answer(q5), "q6": Answer(q6)}
            self.questions = [QuestionScore(q, "", 0.0, 1.0, (ScoredCheck(
                CheckOutcome(q, "written answer", "after_published", 1.0, REVIEW, 0.0, written=True), 0.0, 1.0),))
                for q in ("q5", "q6")]
    reports = [Report("a", "Dropout.", ""), Report("b", "dropout", ""), Report("c", "Early stopping", "x"),
               Report("d", "DROPOUT!", "y"), Report("e", "Dropout", "x")]
    reports[-1].questions = ()  # an answer no one is to score (a missing or untouched cell) is not counted
    found = identical_answers(reports, ["q5", "q6"])
    assert len(found) == 1 and found[0].question == "q5" and found[0].largest == ("a", "b", "d")


def test_the_suggestion_is_withheld_from_an_answer_made_of_the_rubrics_keywords():
    concepts = [r"dropout|early.?stop|augment|noise|ensembl"]
    stuffed = suggestion_hint("dropout, early stopping; augmentation noise ensembles", concepts, concepts)
    assert not stuffed.shown and "rubric's own keywords" in stuffed.reason
    real = suggestion_hint("Dropout zeroes random units while training, so no unit can rely on another; "
                           "that keeps the network from memorising the training set.", concepts, concepts)
    assert real.shown and real.reason == ""


def test_anonymous_handles_hide_ids_and_resolve_back():
    ids = StudentIds(anonymous=True)
    handle = ids.shown("s001")
    assert handle.startswith("anon-") and "s001" not in handle
    assert ids.resolve(handle) == "s001" and StudentIds(anonymous=True).resolve(handle, ["s001"]) == ""
    assert ids.hide("not saved: s001's answer", "s001") == f"not saved: {handle}'s answer"
    assert StudentIds().shown("s001") == "s001"


def test_the_anonymous_queue_is_not_in_student_id_order():
    """A handle's place in the queue would give away where its id sits in the class list: reviewing
    anonymously, the queue is ordered by handle, and each student's answers stay together in question order."""
    from types import SimpleNamespace

    from grader.serve.pages import _Pages

    items = tuple(SimpleNamespace(student_id=f"s{n:03}", question=q) for n in range(40) for q in ("q5", "q6"))
    snapshot = SimpleNamespace(items=items)
    named = _Pages._queue(SimpleNamespace(ids=StudentIds()), snapshot)
    assert named == items
    orders = []
    for _ in range(2):
        ids = StudentIds(anonymous=True)
        queue = _Pages._queue(SimpleNamespace(ids=ids), snapshot)
        assert sorted(queue, key=lambda i: (i.student_id, i.question)) == list(items)
        students = [i.student_id for i in queue][::2]
        assert [ids.shown(s) for s in students] == sorted(ids.shown(s) for s in students)
        assert students != sorted(students)
        assert all(queue[k].student_id == queue[k + 1].student_id and queue[k].question == "q5" for k in range(0, 80, 2))
        orders.append(students)
    assert orders[0] != orders[1]  # each server's secret gives its own order
