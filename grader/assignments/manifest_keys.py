"""Every key of ``assignment.toml``, declared once: its type, default and description.

From the table ``KEYS`` come the parsing (``read_table``, table by table), the validation messages
(``file:line: key = value: what it must be``, the line found by ``locate_keys``), the defaults the manifest's records use
(``default_of``), and the authoring guide's key table (``key_table``; tests/test_manifest_keys.py keeps
docs/authoring.md's copy the same).

A key's ``path`` is where it sits in the TOML: ``name``, ``limits.cell_timeout`` (a key of ``[limits]``),
``questions[].points`` (a key of each ``[[questions]]`` table).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?\s*([=<>!~]=?[^\s;'\"]+\s*,?\s*)*$")


class Invalid(Exception):
    """A value that is not what its key takes; the message says what it must be."""


@dataclass(frozen=True)
class Kind:
    """A type of value: ``what`` names it (in the guide's table and in messages), ``parse`` returns the value
    as the manifest's records hold it, or raises Invalid."""

    what: str
    parse: Callable[[Any], Any]


def _text(pattern: re.Pattern | None = None) -> Callable[[Any], Any]:
    def parse(value):
        if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
            raise Invalid
        return value
    return parse


def _number(low: float, high: float = math.inf, low_open: bool = True) -> Callable[[Any], Any]:
    def parse(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise Invalid
        if value < low or value > high or (low_open and value == low):
            raise Invalid
        return float(value)
    return parse


def _invalid() -> Any:
    raise Invalid


def _boolean(value):
    if not isinstance(value, bool):
        raise Invalid
    return value


def _list(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse(value):
        if not isinstance(value, list):
            raise Invalid
        return tuple(item(v) for v in value)
    return parse


TEXT = Kind("text", lambda value: value if isinstance(value, str) else _invalid())
NAME = Kind("identifier (letters, digits, _; not starting with a digit)", _text(IDENTIFIER))
NOTEBOOK_FILE = Kind("file name ending .ipynb", _text(re.compile(r"^[^/\\]+\.ipynb$")))
MODULE_NAME = Kind("module of the folder (without .py)", _text(IDENTIFIER))
BOOLEAN = Kind("true or false", _boolean)
POSITIVE = Kind("number > 0", _number(0))
SECONDS = Kind("number of seconds > 0", _number(0))
SHARE = Kind("number from 0 to 1", _number(0, 1, low_open=False))
QUESTION_IDS = Kind("list of earlier questions' ids", _list(_text(QUESTION_ID)))
NAMES = Kind("list of Python names", _list(_text(IDENTIFIER)))
MODULE_FILES = Kind("list of .py files of the folder", _list(_text(re.compile(r"^[^/\\]+\.py$"))))
MODULES = Kind("list of module names", _list(_text(MODULE)))
REQUIREMENTS = Kind("list of pip requirements", _list(_text(REQUIREMENT)))
ID = Kind("id: letters, digits, _ . - (e.g. \"q1\")", _text(QUESTION_ID))


class Required:
    """The default of a key that must be given."""

    def __repr__(self) -> str:
        return "required"


REQUIRED = Required()


@dataclass(frozen=True)
class Derived:
    """A default computed from the other keys of the same table: ``doc`` says how, for the guide."""

    doc: str
    value: Callable[[dict], Any]


@dataclass(frozen=True)
class Key:
    """path: where the key sits (``limits.cell_timeout``, ``questions[].id``). kind: its type. default: a
    value, REQUIRED, or Derived from the table's other keys. doc: what it means (the guide's description).
    expect: what a valid value is, said in a message when it is not (default: the kind's ``what``)."""

    path: str
    kind: Kind
    default: Any
    doc: str
    expect: str = ""

    @property
    def table(self) -> str:
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def default_text(self) -> str:
        if self.default is REQUIRED:
            return "required"
        if isinstance(self.default, Derived):
            return self.default.doc
        if self.default is None:
            return "none"
        if isinstance(self.default, bool):
            return "`true`" if self.default else "`false`"
        if isinstance(self.default, tuple):
            return "`[]`" if not self.default else f"`{list(self.default)}`"
        return f"`{self.default:g}`" if isinstance(self.default, float) else f"`{self.default}`"


QUESTIONS = "questions[]"

KEYS: tuple[Key, ...] = (
    Key("name", NAME, REQUIRED, "the assignment's id: the package its folder's modules import as, and what "
        "its notebooks carry in `metadata.grader.assignment`",
        "use letters, digits and underscores, not starting with a digit (it is the package the folder's "
        "modules import as)"),
    Key("title", TEXT, Derived("`name`", lambda t: t.get("name")), "shown to students"),
    Key("notebook", NOTEBOOK_FILE, Derived("`{name}.ipynb`", lambda t: f"{t.get('name')}.ipynb"),
        "the solution notebook's file name in the folder (the stub students get has the same name)",
        "the solution notebook's file name in this folder, e.g. \"NAME.ipynb\""),
    Key("child_helpers", MODULE_NAME, None, "a module of the folder imported in the student's process, whose "
        "`HELPERS` the checks may call (`student.helper(name, ...)`)",
        "the name of a module of this folder (without .py), and that .py file must exist"),
    Key("feedback", MODULE_NAME, None, "a module of the folder whose `feedback_figures(question, extras)` adds "
        "figures to a question's feedback",
        "the name of a module of this folder (without .py), and that .py file must exist"),
    Key("public_modules", MODULE_FILES, (), "the folder's module files shipped with the public checks (the "
        "public checks and child helpers may import only these)",
        "a list of this folder's module files shipped with the public checks, e.g. [\"child_helpers.py\"]"),
    Key("count_suggestions", BOOLEAN, False, "whether a written answer's rubric suggestion counts in totals "
        "before an instructor reviews it (else it counts 0 and shows as awaiting review)",
        "true or false (whether a rubric's suggested score counts before an instructor reviews the answer; "
        "default false)"),
    Key("limits.cell_timeout", SECONDS, 30.0, "seconds each code cell may run (`--cell-timeout` overrides it)",
        "a positive number of seconds"),
    Key("limits.call_timeout", SECONDS, 5.0, "seconds each call a check makes into student code may run "
        "(`--call-timeout` overrides it)", "a positive number of seconds"),
    Key("audit.mutation_threshold", SHARE, 0.95, "`grader audit`: the least share of mutants each question's "
        "checks must catch", "a share between 0 and 1, e.g. 0.95"),
    Key("packages.imports", MODULES, (), "modules beyond torch, numpy and matplotlib the notebooks may import; "
        "the warm process imports each once, `grader validate` checks each imports (e.g. `[\"d2l\"]`)",
        "a list, each a module name"),
    Key("packages.install", REQUIREMENTS, (), "pip requirements the Gradescope `setup.sh` installs under the "
        "grader's constraints (e.g. `[\"pandas\"]`)", "a list, each a pip requirement"),
    Key("packages.install_no_deps", REQUIREMENTS, (), "requirements installed with `--no-deps`, for a package "
        "whose own pins would replace the grader's (e.g. `[\"d2l==1.0.3\"]`)", "a list, each a pip requirement"),
    Key("questions[].id", ID, REQUIRED, "the question's id, as answer marks and the checks' `question` marks "
        "name it; unique", "letters, digits, '_', '.', '-' (e.g. \"q1\")"),
    Key("questions[].title", TEXT, Derived("`id`", lambda t: t.get("id")), "shown in feedback"),
    Key("questions[].points", POSITIVE, REQUIRED, "the question's points, split over its checks by weight",
        "a positive number"),
    Key("questions[].names", NAMES, (), "the Python names the notebook must define for it (also how a "
        "notebook is recognised)", "a list of the Python names the notebook must define"),
    Key("questions[].written", BOOLEAN, False, "whether the question has a written answer cell", "true or false"),
    Key("questions[].written_points", POSITIVE, None, "with `written = true`: the written answer's fixed share "
        "of `points` (the code checks share the rest); none: written and code checks split by weight",
        "the written answer's share of the question's points, more than 0 and less than all of them, in a "
        "question with written = true (leave it out to split by the checks' weights)"),
    Key("questions[].uses", QUESTION_IDS, (), "earlier questions whose names this question's code uses: graded "
        "with the solution's version of them in place", "a list of the ids of questions above this one"),
)

BY_PATH = {key.path: key for key in KEYS}
TABLES = {key.table for key in KEYS if key.table}  # "limits", "audit", "packages", "questions[]"


def default_of(path: str) -> Any:
    """The default of the key at ``path`` (a plain value: not one that is required or derived)."""
    default = BY_PATH[path].default
    if default is REQUIRED or isinstance(default, Derived):
        raise KeyError(f"{path} has no plain default")
    return default


def keys_of(table: str) -> list[Key]:
    return [key for key in KEYS if key.table == table]


@dataclass
class Problems:
    """What is wrong with a manifest, each with its line (0: not found in the file)."""

    path: Path
    lines: dict[str, int]
    found: list[tuple[int, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.found.append((line_of(self.lines, where), text))

    def message(self) -> str:
        return "\n".join(f"{self.path}:{line}: {text}" if line else f"{self.path}: {text}" for line, text in self.found)


def line_of(lines: dict[str, int], where: str) -> int:
    """The line of ``where`` (a path such as ``questions[2].points``), else of the nearest table holding it."""
    while where:
        if where in lines:
            return lines[where]
        where = where.rpartition(".")[0]
    return lines.get("", 0)


def _label(table_path: str, key: Key, values: dict) -> str:
    """How a message names a key: ``count_suggestions``, ``[limits] cell_timeout``, ``question q1: points``."""
    if key.table == QUESTIONS:
        return f"{_question(table_path, values)}: {key.name}"
    return f"[{key.table}] {key.name}" if key.table else key.name


def _question(table_path: str, values: dict) -> str:
    """``question q2``, or ``question 2`` (its place) while its id is unknown."""
    number = int(table_path.partition("[")[2].rstrip("]") or 0) + 1
    return f"question {values.get('id') or number}"


def read_table(raw: dict, table: str, table_path: str, problems: Problems) -> dict:
    """The keys of one table (``table``: ``""``, ``limits``, ``questions[]``...; ``table_path``: where it is,
    ``questions[2]``), parsed, with their defaults; each bad value, missing required key or unknown key is a
    problem, and the value is left out (None) so that checking goes on."""
    values: dict[str, Any] = {}
    known = keys_of(table)
    subtables = {t.partition(".")[0].removesuffix("[]") for t in TABLES} if table == "" else set()
    for key in known:
        where = f"{table_path}.{key.name}" if table_path else key.name
        if key.name not in raw:
            if key.default is REQUIRED:
                problems.add(table_path, f"{_label(table_path, key, values)}: required ({key.kind.what}): {key.doc}")
                values[key.name] = None
            elif not isinstance(key.default, Derived):
                values[key.name] = key.default
            continue
        try:
            values[key.name] = key.kind.parse(raw[key.name])
        except Invalid:
            problems.add(where, f"{_label(table_path, key, values)} = {raw[key.name]!r}: {key.expect or key.kind.what}")
            values[key.name] = None if key.default is REQUIRED or isinstance(key.default, Derived) else key.default
    for key in known:
        if isinstance(key.default, Derived) and key.name not in values:
            values[key.name] = key.default.value(values)
    unknown = sorted(set(raw) - {k.name for k in known} - subtables)
    for name in unknown:
        where = f"{table_path}.{name}" if table_path else name
        listed = ", ".join([k.name for k in known] + sorted(subtables))
        owner = "a question" if table == QUESTIONS else f"[{table}]" if table else "the manifest"
        label = f"{_question(table_path, values)}: " if table == QUESTIONS else ""
        problems.add(where, f"{label}unknown key {name!r}: {owner} knows {listed}")
    return values


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")


def locate_keys(text: str) -> dict[str, int]:
    """Where each key and table of a manifest is (1-based lines): ``{"name": 1, "limits": 12,
    "limits.cell_timeout": 13, "questions[0]": 20, "questions[0].points": 23, ...}``; ``""`` is line 1.
    A line scan (tomllib keeps no positions): enough for messages, and the parse itself is tomllib's."""
    lines: dict[str, int] = {"": 1}
    prefix, counts = "", dict[str, int]()
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            if not in_string:
                continue
        if in_string:
            continue
        header = _HEADER.match(line)
        if header:
            name = header.group(2).replace(" ", "")
            if header.group(1) == "[[":
                index = counts.get(name, 0)
                counts[name] = index + 1
                prefix = f"{name}[{index}]"
            else:
                prefix = name
            lines.setdefault(prefix, number)
            continue
        key = _KEY.match(line)
        if key:
            name = re.sub(r"\s+", "", key.group(1))
            lines.setdefault(f"{prefix}.{name}" if prefix else name, number)
    return lines


def key_table() -> str:
    """The authoring guide's table of the manifest's keys (Markdown)."""
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for key in KEYS:
        rows.append(f"| `{key.path}` | {key.kind.what} | {key.default_text} | {key.doc} |")
    return "\n".join(rows) + "\n"
