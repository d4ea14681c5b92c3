"""What Landlock lets a student's process read (grader/sandbox/student_side/isolation.py readable_paths): every folder on the
import path that the warm process imported from, entry by entry, also one a .pth file adds (another
environment's site-packages, as an unprivileged account's venv reaches this one's); never the grader's
package, its checkout, a hidden path, or a folder on the path nothing was imported from."""
from __future__ import annotations

import errno
import os
import sys

import pytest

from helpers import ROOT, in_forked_child
from grader.sandbox.student_side import isolation, landlock, namespaces
from grader.sandbox.warm_process import hidden_paths

pytestmark = pytest.mark.security


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """Another environment's site-packages (with a library the warm process never imported and a course folder
    someone keeps there), a source checkout of the grader, a zip on the path, and the working folder."""
    deps = tmp_path / "other-env" / "site-packages"
    (deps / "lazy_lib").mkdir(parents=True)
    (deps / "torch_like.py").write_text("")  # what the warm process imported from there
    (deps / "lazy_lib" / "__init__.py").write_text("VALUE = 42\n")
    (deps / "single.py").write_text("X = 1\n")
    (deps / "course" / "checks" / "hidden").mkdir(parents=True)
    (deps / "course" / "checks" / "hidden" / "test_q1.py").write_text("EXPECTED = 'secret'\n")
    checkout = tmp_path / "checkout"
    (checkout / "grader").mkdir(parents=True)
    (checkout / "grader" / "__init__.py").write_text("")
    (checkout / "pyproject.toml").write_text("[project]\nname = 'nb-autograder'\n")
    (checkout / "graded" / "alice").mkdir(parents=True)
    (checkout / "graded" / "alice" / "feedback.html").write_text("alice's grade")
    archive = tmp_path / "deps.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    unused = tmp_path / "unused-env"
    (unused / "anything").mkdir(parents=True)
    cwd = tmp_path / "warm-home"
    (cwd / "scratch").mkdir(parents=True)
    monkeypatch.chdir(cwd)
    search_path = ["", str(checkout), str(deps), str(archive), str(unused), str(tmp_path), str(tmp_path / "missing"),
                   *sys.path]
    imported = [str(deps / "torch_like.py"), str(checkout / "grader" / "__init__.py"), f"{archive}/zipped.py",
                str(cwd / "scratch" / "stray.py"), "<stdin>", *isolation._imported_files()]
    return {"deps": deps, "checkout": checkout, "archive": archive, "cwd": cwd, "unused": unused, "tmp": tmp_path,
            "search_path": search_path, "imported": imported, "hidden": (str(deps / "course"),)}


def readable(layout, package_dir, hidden=None):
    return isolation.readable_paths(str(package_dir), layout["hidden"] if hidden is None else hidden,
                                    layout["search_path"], layout["imported"])


def under(paths, folder) -> list[str]:
    folder = str(folder)
    return [p for p in paths if p == folder or p.startswith(folder + os.sep)]


def test_every_folder_imported_from_is_readable_but_the_grader_checkout_and_hidden_paths(layout):
    deps, checkout = layout["deps"], layout["checkout"]
    paths = readable(layout, checkout / "grader")
    everything = paths.trees + paths.listable
    assert str(deps) in paths.listable
    assert {str(deps / "lazy_lib"), str(deps / "single.py"), str(layout["archive"])} <= set(paths.trees)
    assert not under(paths.trees, deps / "course"), "a hidden path, even inside a folder on the path"
    assert not under(everything, checkout), "the checkout holds more than the grader"
    assert not under(everything, layout["cwd"])
    assert not under(everything, layout["unused"]), "nothing was imported from there"
    assert str(layout["tmp"]) not in everything, "a folder on the path holding the others"
    # What was readable before stays so: the standard library and this environment's site-packages.
    assert os.path.realpath(os.path.dirname(os.__file__)) in paths.listable
    assert os.path.realpath(os.path.dirname(pytest.__path__[0])) in paths.listable


def test_a_grader_installed_in_a_folder_on_the_path_leaves_only_its_package_out(layout):
    deps = layout["deps"]
    (deps / "grader").mkdir()
    (deps / "src" / "grader").mkdir(parents=True)
    paths = readable(layout, deps / "src" / "grader", hidden=())
    assert str(deps / "lazy_lib") in paths.trees and str(deps / "course") in paths.trees
    assert not under(paths.trees, deps / "src"), "nor a folder holding the package"
    paths = readable(layout, deps / "grader", hidden=())
    assert str(deps / "lazy_lib") in paths.trees and not under(paths.trees, deps / "grader")


def test_this_checkout_is_not_readable_beyond_its_environment():
    readable = isolation.readable_paths(str(ROOT / "grader"), hidden_paths([ROOT / "solutions" / "weight_decay"]))
    for secret in ("grader", "solutions", "tests", ".git", "exercises"):
        assert not under(readable.trees, ROOT / secret), secret
    assert str(ROOT) not in readable.listable


@pytest.mark.skipif(landlock.abi_version() < 1, reason="Landlock is not available in this kernel")
def test_under_landlock_a_child_imports_from_another_environment_and_reads_nothing_hidden(layout, tmp_path):
    deps, checkout = layout["deps"], layout["checkout"]
    policy = isolation.Policy(requested="auto", scratch_root=str(tmp_path / "scratch-root"),
                              readable=readable(layout, checkout / "grader"))
    os.mkdir(policy.scratch_root)
    ruleset = isolation.build_ruleset(policy)

    def read(path):
        try:
            with open(path) as f:
                f.read()
        except OSError as exc:
            return exc.errno
        return 0

    def steps(report):
        namespaces.no_new_privs()  # Landlock's condition for a process without CAP_SYS_ADMIN
        ruleset.restrict_self()
        sys.path.insert(0, str(deps))
        import lazy_lib

        report["imported"] = lazy_lib.VALUE
        report["hidden"] = read(deps / "course" / "checks" / "hidden" / "test_q1.py")
        report["feedback"] = read(checkout / "graded" / "alice" / "feedback.html")
        report["package"] = read(checkout / "grader" / "__init__.py")

    report = in_forked_child(steps)
    assert report == {"imported": 42, "hidden": errno.EACCES, "feedback": errno.EACCES, "package": errno.EACCES}
