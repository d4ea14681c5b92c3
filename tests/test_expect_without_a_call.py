"""The expect_* judgements used with only ``what=`` and no call into the notebook before them."""
from __future__ import annotations

import pytest
import torch

from grader.checks.calls import remember
from grader.checks.expect import CheckFailed, expect_float, expect_tensor


@pytest.fixture(autouse=True)
def no_call_yet():
    remember(None)
    yield
    remember(None)


def test_a_wrong_value_judged_with_only_what_fails_with_the_evidence_it_has():
    with pytest.raises(CheckFailed) as raised:
        expect_float(2.0, 1.0, what="the loss after one step")
    assert "the loss after one step" in raised.value.symptom
    assert raised.value.input is None and raised.value.where is None
    assert raised.value.expected is not None and raised.value.got is not None


def test_a_right_value_judged_with_only_what_passes():
    assert expect_float(1.0, 1.0, what="the loss") == 1.0
    expected = torch.ones(3)
    assert torch.equal(expect_tensor(expected.clone(), expected, what="w after the update", input="w = 1"), expected)
    with pytest.raises(CheckFailed) as raised:
        expect_tensor(torch.zeros(3), expected, what="w after the update", input="w = 1")
    assert raised.value.input == "w = 1" and raised.value.where is None
