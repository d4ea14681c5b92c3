"""Student ids chosen by file names, folder names and rosters cannot write outside ``--out`` or over its files.

A submission named ``...ipynb`` has the id ``..``; one named ``..ipynb`` the id
``.``: graded as they were, their results.json and feedback.html landed in the
parent of --out and in --out itself. Every id must name one safe folder inside
--out, distinct from every other, and readable.
"""
import csv
import unicodedata

import pytest

from batch_helpers import run_cli, solution
from helpers import ASSIGNMENT
from grader.classroom.student_ids import MAX_BYTES, MAX_LENGTH, safe_id, safe_ids, student_folder

pytestmark = pytest.mark.security

HOSTILE_FILES = ["...", "..", ".hidden", "-rf", "--help", "back\\slash", "Alice", "alice", "ÉCOLE", "école",
                 "e\u0301cole", "名前", "tab\there", "a" * 120]
ROSTER_IDS = {"r1": "../../escaped", "r2": "/etc/passwd", "r3": "x" * 300, "r4": ".", "r5": "C:\\win"}


def _inside(path, root) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _is_safe_component(name: str) -> bool:
    return (name not in ("", ".", "..") and "/" not in name and "\\" not in name and "\x00" not in name
            and not name.startswith((".", "-")) and len(name) <= MAX_LENGTH and len(name.encode()) <= MAX_BYTES)


def test_ids_from_hostile_names_are_single_safe_unique_components():
    raw = [*HOSTILE_FILES, *ROSTER_IDS.values(), "x" * 300 + "y", "ok"]
    ids = safe_ids(raw)
    assert all(_is_safe_component(sid) for sid in ids), ids
    folded = {unicodedata.normalize("NFKC", sid).casefold() for sid in ids}
    assert len(folded) == len(ids), "ids stay distinct where a file system ignores case or normalisation"
    assert ids[-1] == "ok" and safe_id("alice") == "alice", "safe ids are kept as they are"
    assert "名前" in ids and "Alice" in ids, "readable: letters are kept"
    with pytest.raises(Exception, match="not a safe folder name"):
        student_folder("out", "..")


def test_grading_hostile_file_names_and_roster_ids_writes_only_inside_out(tmp_path):
    import nbformat

    subs, out = tmp_path / "subs", tmp_path / "place" / "out"
    subs.mkdir()
    out.parent.mkdir()
    notebook = nbformat.writes(solution()).encode()
    broken = b"{ not a notebook"  # graded (as unreadable) at once: the names are what is under test
    for n, name in enumerate(HOSTILE_FILES):
        (subs / f"{name}.ipynb").write_bytes(notebook if n == 0 else broken)
    for key in ROSTER_IDS:
        (subs / f"{key}.ipynb").write_bytes(broken)
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "student_id"])
        writer.writerows((f"{key}.ipynb", sid) for key, sid in ROSTER_IDS.items())
    before = {p for p in tmp_path.rglob("*")}
    run = run_cli("grade", subs, "--out", out, "--roster", roster, "--assignment", ASSIGNMENT.folder,
                  "--cell-timeout", "3", "--call-timeout", "2", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(_inside(p, out) for p in created if p != out), \
        sorted(str(p) for p in created if not _inside(p, out))
    assert not (out / "results.json").exists() and not (out / "feedback.html").exists()
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == len(HOSTILE_FILES) + len(ROSTER_IDS), sorted(p.name for p in folders)
    for folder in folders:
        assert _is_safe_component(folder.name), folder.name
        assert (folder / "results.json").exists() and (folder / "feedback.html").exists(), folder.name
    assert (out / "__" / "results.json").exists(), "'...ipynb' (id '..') is graded in a folder of its own"
    assert run.stdout.count(": not graded") == len(HOSTILE_FILES) - 1 + len(ROSTER_IDS)
    assert f"graded 1, not graded {len(HOSTILE_FILES) - 1 + len(ROSTER_IDS)}" in run.stderr


def test_ids_that_are_names_of_grader_serves_own_pages_get_a_folder_of_their_own():
    # /KEY/static/feedback.html would be a static file, not the student's page.
    assert [safe_id(raw) for raw in ("static", "Review", "export.csv", "statics")] == \
        ["static_", "Review_", "export.csv_", "statics"]
