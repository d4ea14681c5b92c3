"""GradeReport <-> JSON, generically: any frozen dataclass of the grader, tuples kept as tuples.

The gradebook stores whole reports so outputs can be regenerated without
running code. Fields are walked with ``dataclasses.fields``, so a field added
to a result type is stored and loaded without changes here.

Encoding: a dataclass becomes ``{"__type__": "module:Name", "fields": {...}}``
(only classes of the ``grader`` package are loaded back), a tuple
``{"__tuple__": [...]}``, and a dict with a key starting with ``__`` (which
student data may hold) ``{"__dict__": {...}}``; lists, other dicts and
scalars stay as they are.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import math
from pathlib import PurePath

from grader.errors import CorruptReport
from grader.results import GradeReport

_TYPE, _TUPLE, _DICT = "__type__", "__tuple__", "__dict__"


def to_jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TYPE: f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
    if isinstance(value, tuple):
        return {_TUPLE: [to_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        plain = {str(k): to_jsonable(v) for k, v in value.items()}
        return {_DICT: plain} if any(k.startswith("__") for k in plain) else plain
    if isinstance(value, PurePath):
        return str(value)
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


def _dataclass(name: str):
    module_name, _, qualname = name.partition(":")
    if module_name != "grader" and not module_name.startswith("grader."):
        raise CorruptReport(f"a stored report names {name!r}, which is not a grader type")
    try:
        cls = getattr(importlib.import_module(module_name), qualname)
    except (ImportError, AttributeError):
        raise CorruptReport(f"a stored report names {name!r}, unknown to this grader; regrade with --force") from None
    if not dataclasses.is_dataclass(cls):
        raise CorruptReport(f"a stored report names {name!r}, which is not a record type")
    return cls


def dump_report(report: GradeReport) -> str:
    return json.dumps(to_jsonable(report), allow_nan=False, separators=(",", ":"))


def load_report(text: str) -> GradeReport:
    report = from_jsonable(json.loads(text))
    if not isinstance(report, GradeReport):
        raise CorruptReport("a stored report is not a GradeReport; regrade with --force")
    return report
