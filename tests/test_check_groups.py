"""Checks folded per check (inputs folded, unfinished functions once), points that add up, and a class summary
grouped by diagnosis: kernel-free, on outcomes built by hand and scored by grader.scoring.points."""
import dataclasses
import xml.etree.ElementTree as ET

import html5lib
import pytest

import helpers
from grader.outputs.gradescope_results import gradescope_results
from grader.outputs.check_groups import group_checks, split_unfinished
from grader.outputs.class_summary import render_class_summary, summarise
from grader.outputs.feedback import render_feedback
from grader.outputs.junit import junit_xml
from grader.outputs.rounding import rounded_points
from grader.core.records import FAILED, PASSED, REVIEW, CheckOutcome, GradeReport
from grader.scoring.points import score_outcomes

# Weight decay's questions, each split by its checks' weights alone: the outcomes built here have no written
# answer, so a fixed written share (written_points) would leave part of each question unaccounted for.
ASSIGNMENT = dataclasses.replace(helpers.ASSIGNMENT, questions=tuple(
    dataclasses.replace(q, written_points=None) for q in helpers.ASSIGNMENT.questions))

CASES = ("7-float32", "7-float64", "3x4-float32", "3x4-float64", "2x3x5-float32", "2x3x5-float64")
UPDATE = "l1_sgd_update matches the reference"


def outcome(question, check, status=PASSED, case="", message="", unfinished="", weight=1.0, visibility="visible"):
    return CheckOutcome(question=question, name=f"{check} [{case}]" if case else check, visibility=visibility,
                        weight=weight, status=status, fraction=1.0 if status == PASSED else 0.0, message=message,
                        check=check, case=case, unfinished=unfinished,
                        input=f"w of shape {case}" if case and status == FAILED else None)


def not_implemented(question, check, function, case=""):
    return outcome(question, check, FAILED, case, f"not implemented yet: {function}() still raises NotImplementedError",
                   unfinished=function)


def report(sid, outcomes) -> GradeReport:
    return GradeReport(sid, f"{sid}.ipynb", ASSIGNMENT.name, ASSIGNMENT.version, "0" * 64,
                       score_outcomes(outcomes, ASSIGNMENT))


def every_question_passing(*, except_q1=()):
    """Outcomes for q2...q6 all passing (three checks each, weights that do not divide evenly), and q1's."""
    found = list(except_q1)
    for question in ("q2", "q3", "q4", "q5", "q6"):
        found += [outcome(question, f"{question} check {i}", weight=w) for i, w in enumerate((1, 1, 1), start=1)]
    return found


def wrong_sign(cases_failing=3):
    """q1: an update that subtracts the L1 term, caught on some inputs of a parametrized check."""
    update = [outcome("q1", UPDATE, FAILED if i < cases_failing else PASSED, case,
                      "the L1 term is subtracted: the penalty must pull weights toward zero" if i < cases_failing
                      else "", weight=2 / 6) for i, case in enumerate(CASES)]
    return [outcome("q1", "l1_penalty sums absolute values")] + update


def stub_q1():
    """q1 untouched: two functions raise NotImplementedError, called by five checks (twelve inputs)."""
    return ([not_implemented("q1", "l1_penalty sums absolute values", "l1_penalty")]
            + [not_implemented("q1", "l1_penalty is sum |w_i| for any shape", "l1_penalty", case) for case in CASES]
            + [not_implemented("q1", UPDATE, "l1_sgd_update", case) for case in CASES]
            + [not_implemented("q1", "l1_sgd_update keeps sign(0) = 0", "l1_sgd_update"),
               not_implemented("q1", "l1_sgd_update leaves w and grad as they were", "l1_sgd_update")])


def test_a_parametrized_check_is_one_group_that_shows_its_first_failing_input():
    groups = group_checks(score_outcomes(wrong_sign(), ASSIGNMENT)[0].checks)
    assert [g.name for g in groups] == ["l1_penalty sums absolute values", UPDATE]
    update = groups[1]
    assert update.status == FAILED and update.cases_line == "failed for 3 of 6 inputs"
    assert update.shown.case == "7-float32" and [c.outcome.case for c in update.failed] == list(CASES[:3])
    assert update.max_score == pytest.approx(3 * 2 / 3)  # q1 is worth 3: weights 1 and 6 x 1/3


def test_stored_reports_without_check_and_case_fold_by_name():
    """Reports stored before outcomes carried ``check``/``case`` still fold (the name holds the case)."""
    old = [CheckOutcome("q1", f"{UPDATE} [{case}]", "visible", 1.0, FAILED, 0.0,
                        "not implemented yet: l1_sgd_update() still raises NotImplementedError") for case in CASES]
    (group,) = group_checks(score_outcomes(old, ASSIGNMENT)[0].checks)
    assert group.name == UPDATE and len(group.cases) == 6 and group.unfinished == "l1_sgd_update"


def test_unfinished_functions_fold_into_one_line_each():
    groups = group_checks(score_outcomes(stub_q1(), ASSIGNMENT)[0].checks)
    unfinished, rest = split_unfinished(groups)
    assert [(u.function, len(u.groups)) for u in unfinished] == [("l1_penalty", 2), ("l1_sgd_update", 3)]
    assert rest == ()
    assert sum(u.max_score for u in unfinished) == pytest.approx(3)


@pytest.mark.parametrize("shares", [[1 / 3] * 3, [2 / 9] * 9, [0.0484] * 4 + [0.0968] * 3, [1 / 7] * 7 + [0.5]])
def test_rounded_points_add_up_to_the_rounded_total(shares):
    scores, maxes = rounded_points(shares, shares)
    assert round(sum(maxes), 2) == round(sum(shares), 2) == round(sum(scores), 2)
    # Earned in part, earned in full, not at all: never more than the maximum, full ones show it whole.
    earned = [s * (i % 3) / 2 for i, s in enumerate(shares)]
    scores, maxes = rounded_points(earned, shares)
    assert all(0 <= s <= m for s, m in zip(scores, maxes))
    assert all(s == m for s, m, e, top in zip(scores, maxes, earned, shares) if e == top)
    assert all(s == 0 for s, e in zip(scores, earned) if e == 0)
    assert round(sum(scores), 2) == pytest.approx(round(sum(earned), 2), abs=0.011)


def test_results_json_has_one_test_per_check_and_adds_up_exactly():
    solution = report("solution", every_question_passing(except_q1=wrong_sign(cases_failing=0)))
    results = gradescope_results(solution)
    assert len(results["tests"]) == 2 + 5 * 3  # q1: two checks (six inputs folded into one), three per other
    assert results["score"] == 14 == round(sum(t["score"] for t in results["tests"]), 2)
    assert round(sum(t["max_score"] for t in results["tests"]), 2) == 14 == results["extra_data"]["max_score"]
    assert all(t["score"] == round(t["score"], 2) for t in results["tests"])

    wrong = report("wrong", every_question_passing(except_q1=wrong_sign()))
    results = gradescope_results(wrong)
    assert results["score"] == round(sum(t["score"] for t in results["tests"]), 2) == round(wrong.score, 2)
    (update,) = [t for t in results["tests"] if t["name"] == f"q1: {UPDATE}"]
    assert update["status"] == "failed" and update["score"] == 1.0 and update["max_score"] == 2.0
    lines = update["output"].split("\n")
    assert lines[0].startswith("the L1 term is subtracted")
    assert lines[1] == ("failed for 3 of 6 inputs; shown: the first failing input, 7-float32; "
                        "the others: 7-float64, 3x4-float32")
    assert "input: w of shape 7-float32" in update["output"]


def test_junit_has_the_same_testcases_as_results_json():
    wrong = report("wrong", every_question_passing(except_q1=wrong_sign()))
    cases = ET.fromstring(junit_xml([wrong])).findall(".//testcase")
    tests = gradescope_results(wrong)["tests"]
    assert [c.get("name") for c in cases] == [t["name"] for t in tests]
    (failure,) = [c.find("failure") for c in cases if c.find("failure") is not None]
    assert failure.get("message").startswith("the L1 term is subtracted") and "failed for 3 of 6" in failure.text


def test_stub_feedback_names_each_unfinished_function_once():
    stub = report("stub", every_question_passing(except_q1=stub_q1()))
    html = render_feedback(stub)
    q1 = html.split('id="q1"')[1].split('id="q2"')[0]
    assert q1.count("NotImplementedError") == 2
    assert q1.count("<code>l1_penalty()</code>") == 1 and q1.count("<code>l1_sgd_update()</code>") == 1
    assert "7-float32" not in q1  # no row per input
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    todo = tree.findall(".//details[@id='q1']//li[@class='check todo']")
    assert [li.find("code").text for li in todo] == ["l1_penalty()", "l1_sgd_update()"]


def test_feedback_rows_add_up_to_the_question_total_shown():
    # q4 has three checks of 4/3 points: 1.33 + 1.33 + 1.34, not 1.33 x 3 = 3.99 of 4.
    html = render_feedback(report("solution", every_question_passing(except_q1=wrong_sign(0))))
    q4 = html.split('id="q4"')[1].split('id="q5"')[0]
    rows = [float(part.split("/")[0]) for part in q4.split('<span class="score">')[2:]]
    assert len(rows) == 3 and round(sum(rows), 2) == 4.0


def test_class_summary_groups_mistakes_by_diagnosis_and_unfinished_function():
    reports = ([report(f"wrong{i}", every_question_passing(except_q1=wrong_sign(1 + i % 6))) for i in range(12)]
               + [report(f"stub{i}", every_question_passing(except_q1=stub_q1())) for i in range(5)]
               + [report("right", every_question_passing(except_q1=wrong_sign(0)))])
    summary = summarise(reports, ASSIGNMENT)
    mistakes = {(m.message.split(":")[0], len(m.students)) for m in summary.mistakes}
    # One row per diagnosis, whatever the number of failing inputs; one per unfinished function.
    assert mistakes == {("the L1 term is subtracted", 12), ("l1_penalty() still raises NotImplementedError", 5),
                        ("l1_sgd_update() still raises NotImplementedError", 5)}
    (update,) = [c for c in summary.checks if c.name == UPDATE]
    assert (update.failed, update.unfinished, update.total) == (17, 5, 18)
    assert [s.student for s in summary.students][:3] == ["right", "stub0", "stub1"] and len(summary.students) == 18
    page = render_class_summary(summary, ASSIGNMENT)
    rows = page.split('<tr class="mistake">')[1:]
    assert len(rows) == 3 and "12 (67%)" in rows[0] and 'href="wrong11/feedback.html#q1"' in rows[0]
    assert 'href="right/feedback.html"' in page.split('<section id="students">')[1]
    assert "right/feedback.html#" not in page.split('<section id="mistakes">')[1].split("</section>")[0]


def test_class_summary_escapes_student_ids_and_messages():
    evil = '<img src=x onerror=alert(1)>'
    bad = [outcome("q1", "l1_penalty sums absolute values", FAILED, message=f"raised ValueError: {evil}")]
    page = render_class_summary(summarise([report(evil, every_question_passing(except_q1=bad))], ASSIGNMENT),
                                ASSIGNMENT)
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert not [e for e in tree.iter() if e.tag == "img"]
    assert evil in "".join(tree.find(".//section[@id='mistakes']").itertext())
    assert [e.tag for e in tree.iter() if e.tag == "script" or e.tag == "link" and e.get("href") != "data:,"] \
        == ["script"]  # the page's own, inline
    assert "http://" not in page and "https://" not in page


def test_a_written_answer_awaiting_review_is_neither_passed_nor_failed():
    answer = CheckOutcome("q5", "written answer [q5]", "after_published", 1.0, REVIEW, 1.0, "answered",
                          written=True, check="written answer", case="q5")
    results = gradescope_results(report("r", every_question_passing(except_q1=wrong_sign(0))[:-3] + [answer]))
    (test,) = [t for t in results["tests"] if t["name"] == "q5: written answer"]
    assert "status" not in test and test["score"] == 0 and test["max_score"] == 0.25  # q5: 1 point, 4 checks
