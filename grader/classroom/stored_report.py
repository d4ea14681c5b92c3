"""GradeReport <-> JSON, generically: the grader's record types, tuples kept as tuples.

The gradebook stores whole reports so outputs can be regenerated without
running code. Fields are walked with ``dataclasses.fields``, so a field added
to a result type is stored and loaded without changes here.

Format 2 (written now): ``{"format": 2, "report": ...}``. A record becomes
``{"__type__": "Name", "fields": {...}}``, where ``Name`` is its entry in
``RECORD_TYPES`` (a stable name, not a module path: moving a class to another
module does not break stored reports); a tuple ``{"__tuple__": [...]}``, and a
dict with a key starting with ``__`` (which student data may hold)
``{"__dict__": {...}}``; lists, other dicts and scalars stay as they are. A
dataclass that is not one of the record types (a check may ``record()`` one)
is stored as the dict of its fields.

Format 1 (what graders before the format number wrote): the report itself, its
records named ``module:Qualname``. It is still read: the qualified name is
looked up among the record types, wherever the class lives now.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
from pathlib import PurePath

from grader.core.errors import CorruptReport, Frame
from grader.core.records import CellFailure, CheckOutcome, GradeReport, Location, QuestionScore, ScoredCheck
from grader.assignments.read_notebook import Answer, CodeCell

FORMAT = 2
_TYPE, _TUPLE, _DICT = "__type__", "__tuple__", "__dict__"

# Every record type a stored report may hold, by the stable name it is stored under.
RECORD_TYPES: dict[str, type] = {cls.__name__: cls for cls in (
    GradeReport, QuestionScore, ScoredCheck, CheckOutcome, Location, CellFailure, Frame, Answer, CodeCell)}
_NAMES = {cls: name for name, cls in RECORD_TYPES.items()}


def to_jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        name = _NAMES.get(type(value))
        if name is None:
            return {_DICT: fields} if any(k.startswith("__") for k in fields) else fields
        return {_TYPE: name, "fields": fields}
    if isinstance(value, tuple):
        return {_TUPLE: [to_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        plain = {str(k): to_jsonable(v) for k, v in value.items()}
        return {_DICT: plain} if any(k.startswith("__") for k in plain) else plain
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, float) and not math.isfinite(value):
        return {_TYPE: "float", "fields": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # Anything else (a tensor a check recorded, say) is kept as its text.
    return repr(value)


def from_jsonable(value):
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {_TUPLE}:
        return tuple(from_jsonable(v) for v in value[_TUPLE])
    if set(value) == {_DICT}:
        return {k: from_jsonable(v) for k, v in value[_DICT].items()}
    if set(value) == {_TYPE, "fields"}:
        if value[_TYPE] == "float":
            return float(value["fields"])
        cls = _dataclass(value[_TYPE])
        known = {f.name for f in dataclasses.fields(cls)}
        # Fields stored by another version of the grader and unknown to this one are left out.
        return cls(**{k: from_jsonable(v) for k, v in value["fields"].items() if k in known})
    return {k: from_jsonable(v) for k, v in value.items()}


def _dataclass(name: str) -> type:
    if ":" in name:  # format 1: module:Qualname, wherever the class lived then
        module_name, _, qualname = name.partition(":")
        if module_name != "grader" and not module_name.startswith("grader."):
            raise CorruptReport(f"a stored report names {name!r}, which is not a grader type")
        name = qualname
    cls = RECORD_TYPES.get(name)
    if cls is None:
        raise CorruptReport(f"a stored report names {name!r}, unknown to this grader; regrade with --force")
    return cls


def dump_report(report: GradeReport) -> str:
    return json.dumps({"format": FORMAT, "report": to_jsonable(report)}, allow_nan=False, separators=(",", ":"))


def load_report(text: str) -> GradeReport:
    stored = json.loads(text)
    if isinstance(stored, dict) and "format" in stored and _TYPE not in stored:
        if stored["format"] != FORMAT:
            raise CorruptReport(f"a stored report has format {stored['format']!r}, which this grader does not "
                                f"read (it reads 1 and {FORMAT}); regrade with --force")
        stored = stored.get("report")
    report = from_jsonable(stored)
    if not isinstance(report, GradeReport):
        raise CorruptReport("a stored report is not a GradeReport; regrade with --force")
    return report
