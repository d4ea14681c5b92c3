"""The copies of a notebook's process that checks run against: shared per question, reset per check."""
from __future__ import annotations

import os
import signal
import time

import pytest

from grader.checks.copies import CheckCopies
from grader.core.errors import StudentCrashed, StudentTimeout
from helpers import ASSIGNMENT

NOTEBOOK = """
import os, torch
def draw():
    return torch.rand(3)
def settings():
    return [str(torch.get_default_dtype()), torch.is_grad_enabled()]
def spoil():
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
def hang():
    while True:
        pass
def die():
    os._exit(3)
def sabotage():
    torch.set_default_dtype = None
def signal_everyone(number):
    import signal
    try:
        os.kill(-1, number)
    except OSError as exc:
        return exc.errno
    return 0
"""


@pytest.fixture
def copies(warm):
    notebook = warm.spawn(ASSIGNMENT.module(ASSIGNMENT.child_helpers), 0, 3.0)
    assert notebook.run_cell(1, NOTEBOOK, 10)["ok"]
    pool = CheckCopies(notebook, order=["q1", "q2", "q3"])
    yield pool
    pool.close()
    notebook.kill()


def test_a_check_draws_the_same_numbers_whatever_ran_before(copies):
    first = copies.for_check("q1", 5).call("draw")
    for seed in (9, 11):
        copies.for_check("q1", seed).call("draw")
    again = copies.for_check("q1", 5).call("draw")
    alone = copies.for_check("q1", 5, fresh=True).call("draw")
    assert first.tolist() == again.tolist() == alone.tolist()
    assert copies.for_check("q1", 9).call("draw").tolist() != first.tolist()


def test_torch_settings_a_check_changed_are_restored_for_the_next(copies):
    copy = copies.for_check("q1", 1)
    copy.call("spoil")
    assert copy.call("settings") == ["torch.float64", False]
    following = copies.for_check("q1", 2)
    assert following is copy, "checks of one question share their copy"
    assert following.call("settings") == ["torch.float32", True]
    assert copies.notebook.call("settings") == ["torch.float32", True], "the notebook's own process is untouched"


def test_a_copy_that_timed_out_is_replaced_before_the_next_check(copies):
    copy = copies.for_check("q2", 1)
    with pytest.raises(StudentTimeout):
        copy.call("hang", _timeout=0.3)
    following = copies.for_check("q2", 2)
    assert following is not copy and following.call("settings") == ["torch.float32", True]


def test_a_copy_that_ended_is_replaced_before_the_next_check(copies):
    copy = copies.for_check("q2", 1)
    with pytest.raises(StudentCrashed):
        copy.call("die")
    assert copies.for_check("q2", 2).call("draw").shape == (3,)


def test_one_question_copy_alive_at_a_time_and_a_fresh_copy_ends_with_its_check(copies):
    q1 = copies.for_check("q1", 1)
    q1.call("spoil")
    q2 = copies.for_check("q2", 1)
    assert q2 is not q1 and q1.dead, "a copy that could signal its sibling could cost another question a check"
    assert q2.call("settings") == ["torch.float32", True]
    own = copies.for_check("q2", 3, fresh=True)
    assert own is not q2
    copies.after_check()
    assert own.dead and not q2.dead


def test_a_copy_killed_while_idle_is_replaced(copies):
    copy = copies.for_check("q1", 1)
    copy.call("draw")
    os.kill(copy.pid, signal.SIGKILL)
    time.sleep(0.2)
    following = copies.for_check("q1", 2)
    assert following is not copy and following.call("draw").shape == (3,)


def test_a_copy_that_cannot_be_reset_fails_one_check_and_is_replaced(copies):
    copies.for_check("q3", 1).call("sabotage")
    following = copies.for_check("q3", 2)
    with pytest.raises(StudentCrashed, match="could not be reset"):
        following.call("draw")
    assert copies.for_check("q3", 3).call("settings") == ["torch.float32", True]


def test_the_copies_made_ahead_are_out_of_reach_of_the_running_one(copies):
    """The later questions' copies are forked while the first one's checks run; the running copy's
    code must not be able to stop or kill them (nor the notebook's process)."""
    assert copies.ahead, "this machine isolates fully (Landlock with scopes): copies are made ahead"
    running = copies.for_check("q1", 1)
    copies._forker.join()  # white box: the forks ahead have happened
    waiting = {question: slot.copy for question, slot in copies._waiting.items()}
    assert set(waiting) == {"q2", "q3"} and all(copy is not None for copy in waiting.values())
    running.call("signal_everyone", int(signal.SIGSTOP))  # kill(-1) says 0 even when every target refused
    assert not running.dead
    for question in ("q2", "q3"):
        copy = copies.for_check(question, 2)
        assert copy is waiting[question]
        assert copy.call("draw", _timeout=2.0).shape == (3,)
    assert copies.notebook.call("settings") == ["torch.float32", True]


def test_copies_made_ahead_end_when_their_question_is_passed_over_or_grading_ends(copies):
    copies.for_check("q1", 1).call("draw")
    copies._forker.join()
    waiting = {question: slot.copy for question, slot in copies._waiting.items()}
    copies.for_check("q3", 1).call("draw")
    assert waiting["q2"].dead and not waiting["q3"].dead
    copies.close()
    assert waiting["q3"].dead and not copies._waiting


def test_checks_draw_the_same_numbers_from_a_copy_made_ahead(copies):
    copies.for_check("q1", 1).call("draw")
    ahead = copies.for_check("q2", 5).call("draw")
    assert copies.for_check("q3", 5, fresh=True).call("draw").tolist() == ahead.tolist()
