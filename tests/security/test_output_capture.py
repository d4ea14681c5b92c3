"""A student's printed output: head and tail kept, the gap said, a flood stopped once."""
import pytest
import os

from grader.sandbox.output import OutputCapture

pytestmark = pytest.mark.security


def capture_of(chunks, **sizes):
    read_fd, write_fd = os.pipe()
    floods = []
    capture = OutputCapture(read_fd, lambda: floods.append(True), **sizes)
    for chunk in chunks:
        os.write(write_fd, chunk)
    os.close(write_fd)
    return capture.text(wait=5), floods


def test_short_output_is_kept_whole():
    text, floods = capture_of([b"epoch 1\n", b"epoch 2\n"])
    assert text == "epoch 1\nepoch 2\n" and floods == []


def test_long_output_keeps_head_and_tail_and_says_what_was_left_out():
    text, floods = capture_of([b"a" * 100, b"b" * 1000, b"c" * 100], head=100, tail=100, cap=10_000)
    assert text.startswith("a" * 100) and text.endswith("c" * 100)
    assert "[... 1000 bytes not kept ...]" in text and "bb" not in text
    assert floods == []


def test_a_flood_past_the_cap_is_reported_once():
    text, floods = capture_of([b"x" * 4096] * 10, head=10, tail=10, cap=8192)
    assert floods == [True]
    assert "bytes not kept" in text
