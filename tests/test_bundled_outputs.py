"""Which solution outputs and reference values a release or a Gradescope zip ships is found by grading once per
folder version, then remembered: building again from an unchanged folder grades nothing, and anything missing
from the cache grades again."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from grader.assignments import reference_values
from grader.grading.bundled_outputs import remembered_uses

ASSIGNMENT = SimpleNamespace(name="a", version="1", folder=None)


@pytest.fixture
def values_cache(tmp_path, monkeypatch):
    """Reference values live in their own cache: here a folder of files named by entry."""
    folder = tmp_path / "values"
    folder.mkdir()
    monkeypatch.setattr(reference_values, "entry_file",
                        lambda name, version, where, entry: (folder / entry) if (folder / entry).is_file() else None)
    return folder


def fake_outputs(tmp_path, values_cache, asked=("solution-b", "solution-a", "m1-c"), values=("v1",), bundle=False):
    """A SolutionOutputs stand-in whose grading asks for ``asked`` and ``values``, writing each to its cache."""
    outputs = SimpleNamespace(directory=tmp_path / "cache", used=set(), bundle=bundle, gradings=0)

    def grade():
        outputs.gradings += 1
        outputs.directory.mkdir(exist_ok=True)
        for entry in asked:
            outputs.used.add(entry)
            (outputs.directory / f"{entry}.bin").write_bytes(b"value")
        for value in values:
            (values_cache / value).write_bytes(b"value")
        return set(values)

    return outputs, grade


EXPECTED = (["m1-c", "solution-a", "solution-b"], ["v1"])


def test_the_first_build_grades_and_the_next_reads_what_it_used(tmp_path, values_cache):
    outputs, grade = fake_outputs(tmp_path, values_cache)
    assert remembered_uses(ASSIGNMENT, outputs, "all", grade) == EXPECTED
    assert outputs.gradings == 1
    record = json.loads((outputs.directory / "used-by-all.json").read_text())
    assert (record["solution-outputs"], record["reference-values"]) == EXPECTED
    assert remembered_uses(ASSIGNMENT, outputs, "all", grade) == EXPECTED
    assert outputs.gradings == 1
    # Another set of suites is another grading: the public checks may ask for fewer entries than all of them.
    assert remembered_uses(ASSIGNMENT, outputs, "public", grade) == EXPECTED
    assert outputs.gradings == 2


@pytest.mark.parametrize("missing", ["solution output", "reference value"])
def test_anything_missing_from_the_cache_grades_again(tmp_path, values_cache, missing):
    outputs, grade = fake_outputs(tmp_path, values_cache)
    remembered_uses(ASSIGNMENT, outputs, "all", grade)
    gone = outputs.directory / "solution-a.bin" if missing == "solution output" else values_cache / "v1"
    gone.unlink()
    assert remembered_uses(ASSIGNMENT, outputs, "all", grade) == EXPECTED
    assert outputs.gradings == 2 and gone.is_file()


@pytest.mark.parametrize("damaged", ["[1, 2]", "{not json", '{"solution-outputs": [1], "reference-values": []}',
                                     '{"solution-outputs": []}'])
def test_a_damaged_record_grades_again(tmp_path, values_cache, damaged):
    outputs, grade = fake_outputs(tmp_path, values_cache)
    remembered_uses(ASSIGNMENT, outputs, "all", grade)
    (outputs.directory / "used-by-all.json").write_text(damaged)
    assert remembered_uses(ASSIGNMENT, outputs, "all", grade) == EXPECTED
    assert outputs.gradings == 2


def test_only_what_the_last_grading_asked_for_is_listed(tmp_path, values_cache):
    """Entries asked for before the grading (another command in the same process) are not the grading's."""
    outputs, grade = fake_outputs(tmp_path, values_cache)
    outputs.used.add("solution-from-an-earlier-grading")
    assert "solution-from-an-earlier-grading" not in remembered_uses(ASSIGNMENT, outputs, "all", grade)[0]


def test_a_copy_without_the_solution_remembers_nothing(tmp_path, values_cache):
    outputs, grade = fake_outputs(tmp_path, values_cache, bundle=True)
    remembered_uses(ASSIGNMENT, outputs, "all", grade)
    remembered_uses(ASSIGNMENT, outputs, "all", grade)
    assert outputs.gradings == 2 and not (outputs.directory / "used-by-all.json").exists()
