"""Which solution outputs a release or a Gradescope zip ships is found by grading once per folder version, then
remembered: building again from an unchanged folder grades nothing, and anything missing grades again."""
from __future__ import annotations

import json
from types import SimpleNamespace

from grader.grading.bundled_outputs import entries_used


def fake_outputs(tmp_path, asked=("solution-b", "solution-a", "m1-c"), bundle=False):
    """A SolutionOutputs stand-in whose grading asks for ``asked`` and writes each entry to the cache."""
    outputs = SimpleNamespace(directory=tmp_path / "cache", used=set(), bundle=bundle, gradings=0)

    def grade():
        outputs.gradings += 1
        outputs.directory.mkdir(exist_ok=True)
        for entry in asked:
            outputs.used.add(entry)
            (outputs.directory / f"{entry}.bin").write_bytes(b"value")

    return outputs, grade


def test_the_first_build_grades_and_the_next_reads_what_it_used(tmp_path):
    outputs, grade = fake_outputs(tmp_path)
    assert entries_used(outputs, "all", grade) == ["m1-c", "solution-a", "solution-b"]
    assert outputs.gradings == 1
    assert json.loads((outputs.directory / "used-by-all.json").read_text()) == ["m1-c", "solution-a", "solution-b"]
    assert entries_used(outputs, "all", grade) == ["m1-c", "solution-a", "solution-b"]
    assert outputs.gradings == 1
    # Another set of suites is another grading: the public checks ask for fewer entries than all of them.
    assert entries_used(outputs, "public", grade) == ["m1-c", "solution-a", "solution-b"]
    assert outputs.gradings == 2


def test_a_missing_entry_or_a_damaged_list_grades_again(tmp_path):
    outputs, grade = fake_outputs(tmp_path)
    entries_used(outputs, "all", grade)
    (outputs.directory / "solution-a.bin").unlink()
    assert entries_used(outputs, "all", grade) == ["m1-c", "solution-a", "solution-b"]
    assert outputs.gradings == 2 and (outputs.directory / "solution-a.bin").is_file()
    for damaged in ("[1, 2]", "{not json", '{"a": 1}'):
        (outputs.directory / "used-by-all.json").write_text(damaged)
        gradings = outputs.gradings
        assert entries_used(outputs, "all", grade) == ["m1-c", "solution-a", "solution-b"]
        assert outputs.gradings == gradings + 1


def test_only_the_entries_the_last_grading_asked_for_are_listed(tmp_path):
    """A grading that found an entry in memory still counts it as used; entries left from earlier uses are not."""
    outputs, grade = fake_outputs(tmp_path)
    outputs.used.add("solution-from-an-earlier-grading")
    assert "solution-from-an-earlier-grading" not in entries_used(outputs, "all", grade)


def test_a_copy_without_the_solution_remembers_nothing(tmp_path):
    outputs, grade = fake_outputs(tmp_path, bundle=True)
    entries_used(outputs, "all", grade)
    entries_used(outputs, "all", grade)
    assert outputs.gradings == 2 and not (outputs.directory / "used-by-all.json").exists()
