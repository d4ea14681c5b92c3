"""``grader gradescope build``: from an installed wheel as from a checkout, never replacing a good zip with a
failed one, and each zip's outline beside it under its own name."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

import grader.delivery.gradescope.build as build
from helpers import ASSIGNMENT, ROOT
from grader.assignments.manifest import load_assignment

DROPOUT = load_assignment(ROOT / "solutions" / "dropout")


def wheel_site(tmp_path):
    """The grader's wheel, built from a copy of the checkout and unpacked as an installation (with its
    dist-info), away from any checkout."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    made = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    shutil.rmtree(source)
    return site


@pytest.mark.e2e
def test_an_installed_grader_builds_an_installable_zip(tmp_path):
    site = wheel_site(tmp_path)
    out = tmp_path / "work" / "weight_decay.zip"
    out.parent.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], env=env, cwd=out.parent,
                           capture_output=True, text=True, timeout=120)
    assert where.stdout.strip().startswith(str(site)), where  # the installed copy, not the checkout
    done = subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", str(ASSIGNMENT.folder), "--out",
                           str(out)], env=env, cwd=out.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        pyproject = archive.read("grader-src/pyproject.toml").decode()
        constraints = archive.read("constraints.txt").decode()
        archive.extractall(tmp_path / "unzipped")
    # The engine as installed, file for file; a pyproject from the installed metadata; torch pinned as installed.
    installed = {p.relative_to(site).as_posix() for p in (site / "grader").rglob("*") if p.is_file()}
    assert {n.removeprefix("grader-src/") for n in names if n.startswith("grader-src/grader/")} == installed
    import torch

    assert f"torch=={torch.__version__.split('+')[0]}" in constraints.splitlines()
    assert 'name = "nb-autograder"' in pyproject and '"nbformat>=5.9"' in pyproject and "playwright" not in pyproject
    assert {"setup.sh", "run_autograder", "autograder.json", "assignment/assignment.toml"} <= names
    # What setup.sh installs from grader-src builds.
    made = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(tmp_path / "dist2"), str(tmp_path / "unzipped" / "grader-src")],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    (rebuilt,) = (tmp_path / "dist2").glob("*.whl")
    with zipfile.ZipFile(rebuilt) as archive:
        assert "grader/delivery/gradescope/files/setup.sh.j2" in archive.namelist()
    assert (out.parent / "weight_decay-outline.txt").is_file()


def test_a_failed_build_leaves_the_zip_that_was_there(tmp_path, monkeypatch):
    out = tmp_path / "autograder.zip"
    build.build_autograder_zip(ASSIGNMENT, out)
    good = out.read_bytes()
    # Failing while reading what goes in, and failing half-way through writing it.
    monkeypatch.setattr(build, "engine_entries", lambda: (_ for _ in ()).throw(OSError("the engine is unreadable")))
    with pytest.raises(OSError):
        build.build_autograder_zip(ASSIGNMENT, out)
    monkeypatch.undo()
    real = build._entries
    monkeypatch.setattr(build, "_entries", lambda *a: {**real(*a), "zz-broken": object()})
    with pytest.raises(TypeError):
        build.build_autograder_zip(ASSIGNMENT, out)
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autograder.zip"]  # no partial file left


def test_two_zips_in_one_folder_keep_their_own_outlines(tmp_path):
    for assignment in (ASSIGNMENT, DROPOUT):
        zip_path = tmp_path / f"{assignment.name}.zip"
        build.build_autograder_zip(assignment, zip_path)
        build.write_outline(assignment, zip_path)
    outlines = {p.name: p.read_text() for p in tmp_path.glob("*-outline.txt")}
    assert set(outlines) == {"weight_decay-outline.txt", "dropout-outline.txt"}
    assert outlines["weight_decay-outline.txt"] != outlines["dropout-outline.txt"]
    assert ASSIGNMENT.title in outlines["weight_decay-outline.txt"] and DROPOUT.title in outlines["dropout-outline.txt"]


def test_the_zip_carries_its_timeout_and_a_refusal_can_only_be_relaxed_out_loud(tmp_path):
    out = tmp_path / "a.zip"
    build.build_autograder_zip(ASSIGNMENT, out, timeout=900)
    with zipfile.ZipFile(out) as archive:
        config = json.loads(archive.read("autograder.json"))
    assert config["timeout"] == 900 and "allow_readable_hidden" not in config
    build.build_autograder_zip(ASSIGNMENT, out, allow_readable_hidden=True)
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("autograder.json"))["allow_readable_hidden"] is True
