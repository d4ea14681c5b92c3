"""The command line's shared options behave the same in every command that takes them: a bad value exits 2
with one line on stderr naming the option, a good one parses to the same typed value; the commands are
dispatched by their table; README's option table is the table's."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grader.assignments.manifest import Limits, load_assignment
from grader.cli import main
from grader.cli.commands import COMMANDS, build_parser, option_table
from grader.cli.options import SHARED
from helpers import ASSIGNMENT, ROOT

# What each command needs besides the option under test (its positionals; required options are added
# from the table).
POSITIONALS = {
    "grade": ["a.ipynb"], "stub": ["weight_decay"], "release": ["weight_decay"], "check": ["a.ipynb"],
    "gradescope build": ["weight_decay"], "gradescope run": [], "new": ["quiz"], "validate": ["folder"],
    "audit": ["folder"], "export": [], "review": [], "serve": [], "similarity": [],
}
SECONDS = {"bad": ["0", "-1", "abc", "nan", "inf", "-0", ""], "good": [("2.5", 2.5), ("3", 3.0), ("1e3", 1000.0)]}
# Per option: bad values (each alone after the flag) and good ones with the value they parse to.
VALUES = {
    "--out": {"bad": [None], "good": [("x/y", Path("x/y"))]},
    "--assignment": {"bad": [None], "good": [("weight_decay", "weight_decay")]},
    "--course": {"bad": [None], "good": [("c", Path("c"))]},
    "--cell-timeout": SECONDS,
    "--call-timeout": SECONDS,
    "--deadline": SECONDS,
    "--workers": {"bad": ["0", "-2", "x", "1.5", None], "good": [("3", 3), ("1", 1)]},
    "--progress": {"bad": ["=yes"], "good": [(None, True)]},
    "--isolation": {"bad": ["maybe", None], "good": [("none", "none"), ("auto", "auto")]},
    "--require-isolation": {"bad": ["maybe", "FULL", None], "good": [("full", "full"), ("partial", "partial")]},
    "--junit": {"bad": [None], "good": [("j.xml", Path("j.xml"))]},
    "--roster": {"bad": [None], "good": [("r.csv", Path("r.csv"))]},
}
CASES = [(name, option) for name, command in COMMANDS.items() for option in command.options]


def argv(command: str, option, value: str | None, given: bool = True) -> list[str]:
    """The command line of ``command`` with ``option`` given ``value`` (None: the flag with no value)."""
    args = [*command.split(), *POSITIONALS[command]]
    for other in COMMANDS[command].options:
        if other.settings.get("required") and other.name != option.name:
            args += [other.name, "somewhere"]
    if not given:
        return args
    if value is None:
        return args + [option.name]
    if value.startswith("="):
        return args + [option.name + value]
    return args + [f"{option.name}={value}"]


def test_every_shared_option_is_declared_once_and_tested_here():
    assert [o.name for o in SHARED] == list(VALUES)
    assert set(POSITIONALS) == set(COMMANDS)
    shared = {o.name: o for o in SHARED}
    for name, command in COMMANDS.items():
        for option in command.options:
            # A command may say what the option means for it, never parse it another way.
            assert option.name in shared, f"{name}: {option.name} is not declared in grader/cli/options.py"
            declared = shared[option.name]
            assert (option.flags, option.parse, option.dest) == (declared.flags, declared.parse, declared.dest)
            assert {k: v for k, v in option.settings.items() if k != "required"} == \
                   {k: v for k, v in declared.settings.items() if k != "required"}


@pytest.mark.parametrize("command, option", CASES, ids=[f"{c}-{o.name}" for c, o in CASES])
def test_a_bad_value_exits_2_with_one_line_naming_the_option(command, option, capsys):
    for value in VALUES[option.name]["bad"]:
        with pytest.raises(SystemExit) as stop:
            build_parser().parse_args(argv(command, option, value))
        err = capsys.readouterr().err
        assert stop.value.code == 2, (value, err)
        assert len(err.splitlines()) == 1 and err.endswith("\n"), (value, err)
        assert err.startswith(f"grader {command}: error: argument {option.name}"), (value, err)


@pytest.mark.parametrize("command, option", CASES, ids=[f"{c}-{o.name}" for c, o in CASES])
def test_a_good_value_parses_to_the_same_typed_value_everywhere(command, option):
    for value, expected in VALUES[option.name]["good"]:
        parsed = getattr(build_parser().parse_args(argv(command, option, value)), option.dest)
        assert parsed == expected and type(parsed) is type(expected), (value, parsed)
    if not option.settings.get("required"):
        default = getattr(build_parser().parse_args(argv(command, option, None, given=False)), option.dest)
        assert default == option.default


def test_no_progress_and_the_timeouts_left_out_mean_the_same_everywhere():
    for name, command in COMMANDS.items():
        taken = {o.name: o for o in command.options}
        if "--progress" in taken:
            args = build_parser().parse_args(argv(name, taken["--progress"], "=", given=False) + ["--no-progress"])
            assert args.progress is False
            assert build_parser().parse_args(argv(name, taken["--progress"], None, given=False)).progress is None
        if "--cell-timeout" in taken:
            args = build_parser().parse_args(argv(name, taken["--cell-timeout"], None, given=False))
            assert (args.cell_timeout, args.call_timeout) == (None, None)  # the manifest's, once it is read


def test_a_usage_error_is_one_line(capsys):
    for args in ([], ["nonsense"], ["grade"], ["gradescope"], ["review", "--out", "o", "--score", "lots"],
                 ["audit", "folder", "--workers", "0"], ["grade", "a.ipynb", "--out", "o", "--cell-timeout", "0"]):
        status = main(args)  # a status, not SystemExit: the same for a caller in Python as for the shell
        err = capsys.readouterr().err
        assert status == 2 and len(err.splitlines()) == 1 and err.startswith("grader"), (args, err)
    assert main(["grade", "--help"]) == 0 and "--cell-timeout" in capsys.readouterr().out


def test_each_command_is_run_by_its_entry_in_the_table(monkeypatch):
    ran = []
    for name, command in COMMANDS.items():
        monkeypatch.setitem(COMMANDS, name, dataclasses.replace(command, run=lambda args, name=name: ran.append(name) or 7))
    for name in COMMANDS:
        args = [*name.split(), *POSITIONALS[name]]
        args += [a for o in COMMANDS[name].options if o.settings.get("required") for a in (o.name, "somewhere")]
        assert main(args) == 7
    assert ran == list(COMMANDS)


def test_check_with_one_timeout_keeps_the_manifest_s_other_one(tmp_path, monkeypatch):
    """`grader check --cell-timeout 7` grades with the manifest's call timeout, not the built-in 5 s."""
    import shutil

    from grader.delivery import selfcheck

    folder = tmp_path / "weight_decay"
    shutil.copytree(ASSIGNMENT.folder, folder, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace("call_timeout = 5", "call_timeout = 2.5"))
    used = []

    class Stop(Exception):
        pass

    def started(notebook, assignment, options, **kwargs):
        used.append(options.limits)
        raise Stop

    monkeypatch.setattr(selfcheck.single_notebook, "start", started)
    # The assignment as the release folder gives it, without weighing its hidden checks (that imports torch).
    monkeypatch.setattr(selfcheck, "locate_checks", lambda notebook, assignment, checks: (load_assignment(assignment), {}))
    notebook = tmp_path / "a.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    for flags, limits in ((["--cell-timeout", "7"], Limits(cell=7.0, call=2.5)),
                          (["--call-timeout", "1"], Limits(cell=30.0, call=1.0)),
                          ([], Limits(cell=30.0, call=2.5))):
        with pytest.raises(Stop):
            main(["check", str(notebook), "--assignment", str(folder), *flags])
        assert used.pop() == limits


def test_grade_and_audit_take_the_manifest_s_limit_for_the_timeout_not_given():
    from grader.cli.options import limits_from

    args = build_parser().parse_args(["grade", "a.ipynb", "--out", "o", "--call-timeout", "1.5"])
    manifest = dataclasses.replace(ASSIGNMENT, limits=Limits(cell=12.0, call=4.0))
    assert limits_from(args, manifest) == Limits(cell=12.0, call=1.5)
    args = build_parser().parse_args(["audit", "folder", "--cell-timeout", "3"])
    assert limits_from(args, manifest) == Limits(cell=3.0, call=4.0)


def test_readme_shows_the_option_table():
    assert option_table() in (ROOT / "README.md").read_text(encoding="utf-8")
