"""Reference values: what an assignment's own modules compute that no student changes, computed once per version.

A reference training run, a table of expected losses, a solution's value on fixed inputs: a function of
plain arguments that returns plain data is marked in the instructor's module with one line::

    from grader.assignments.reference_values import reference_value

    @reference_value
    def reference_sweep(lambdas=SWEEP_LAMBDAS):
        ...

and each call is then answered, in order, from this process's memory, from the values shipped with the
folder (``checks/reference-values/`` in a release bundle, ``reference-values/`` beside the manifest in a
Gradescope or cluster copy), or from the cache on disk, ``<cache>/reference-values/<name>-<version>/``
(grader/core/cache_dir.py); only on a miss is the function run, and what it returned written there.

An entry's key hashes the assignment's version (its manifest, checks and modules: editing the function
starts afresh), torch's version, the function's module and name, and the arguments, bound to the
signature with defaults filled in (``f()`` and ``f(DEFAULT)`` are one entry). Arguments and results are
plain data (None, bool, int, float, str, list, tuple, dict with plain keys, torch tensors), written as JSON
plus raw tensor bytes, never pickle; anything else is refused with an AssignmentError naming the function.
Every call returns a fresh copy: a caller that changes what it got changes nothing for the next one.

Trusted code only computes and writes entries: the grader's process, and the warm process while it warms
up (it never runs student code); the warm process then ``seal()``s this module, so no process forked from
it (a student's) writes an entry, and isolation keeps the cache out of a student's reach anyway. A
function of a module that is not an assignment's package (no version to key by) is kept in memory only.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from grader.core.cache_dir import cache_root
from grader.core.errors import AssignmentError
from grader.core.framed_file import read_framed, write_framed

FORMAT = b"grader-reference-values-1\n"
SHIPPED = "reference-values"  # beside the manifest (Gradescope, cluster), or in a release bundle's checks/
CACHE = "reference-values"  # under the cache root
_PACKAGE_MARK = "__grader_assignment__"  # set by grader/assignments/package_import.py: (folder, version)
_MAX_DEPTH = 64
_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
_ENTRY_NAME = re.compile(r"[^A-Za-z0-9_.]")

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """This process's settings and what it has read or computed."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.memory: dict[str, tuple[Any, list[bytes]]] = {}
        self.used: set[str] = set()
        self.cache: Path | None = None  # None: cache_root() of this process's environment
        self.sealed = False


_STATE = _State()


def use_cache(directory: str | os.PathLike | None) -> None:
    """Read and write the on-disk cache under ``directory`` (the grader's cache root: the warm process runs
    in a clean environment, so it is told the grader's), or under ``cache_root()`` when None."""
    _STATE.cache = Path(directory) if directory is not None else None


def seal() -> None:
    """From now on, in this process and every process forked from it, nothing is written: values missing
    from memory, the shipped folder and the cache are computed in memory only. The warm process seals
    itself before it forks a student's process."""
    _STATE.sealed = True


def used() -> set[str]:
    """The entries (file names) this process has read or computed since it started or ``forget_used()``:
    what a release or a Gradescope build ships."""
    with _STATE.lock:
        return set(_STATE.used)


def forget_used() -> None:
    with _STATE.lock:
        _STATE.used.clear()


def module_of(entry: str) -> str:
    """The dotted module of an entry's function (``weight_decay.reference``), from the entry's file name."""
    qualified = entry.rsplit("-", 1)[0]
    return qualified.rsplit(".", 1)[0]


def reference_value(function: F) -> F:
    """Cache what ``function`` returns for each plain set of arguments, per assignment version (see the module's
    docstring). ``function.computed``: how many times this process ran it (a miss everywhere)."""
    signature = inspect.signature(function)
    name = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def cached(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        blobs: list[bytes] = []
        arguments = encode(dict(bound.arguments), blobs, f"{name}: an argument")
        place = _place(function.__module__)
        digest = hashlib.sha256(FORMAT)
        for part in (place[1] if place else "", _torch_version(), name, json.dumps(arguments, sort_keys=True)):
            digest.update(part.encode() + b"\0")
        for blob in blobs:
            digest.update(len(blob).to_bytes(8, "big") + blob)
        key = digest.hexdigest()
        entry = f"{_ENTRY_NAME.sub('_', name)}-{key[:32]}.bin"
        with _STATE.lock:
            stored = _STATE.memory.get(entry)
            if stored is None and place is not None:
                stored = _read_first(_directories(*place), entry, key)
            if stored is None:
                value = function(*bound.args, **bound.kwargs)
                value_blobs: list[bytes] = []
                stored = (encode(value, value_blobs, f"{name} returned a value that"), value_blobs)
                cached.computed += 1
                if place is not None and not _STATE.sealed:
                    _write(_cache_directory(*place) / entry, key, name, *stored)
            _STATE.memory[entry] = stored
            if place is not None:
                _STATE.used.add(entry)
        return decode(*stored)

    cached.computed = 0  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


# --- where entries live -------------------------------------------------------------------------------------
def _place(module: str) -> tuple[str, str, Path] | None:
    """(package name, version, folder) of the assignment package ``module`` belongs to, or None."""
    package = sys.modules.get(module.partition(".")[0])
    mark = getattr(package, _PACKAGE_MARK, None)
    if not (isinstance(mark, tuple) and len(mark) == 2):
        return None
    folder, version = mark
    return module.partition(".")[0], str(version), Path(folder)


def cache_directory(name: str, version: str) -> Path:
    """Where this process caches the reference values of version ``version`` of the assignment ``name``."""
    return (_STATE.cache or cache_root()) / CACHE / f"{name}-{version}"


def _cache_directory(name: str, version: str, folder: Path) -> Path:
    return cache_directory(name, version)


def entry_file(name: str, version: str, folder: Path, entry: str) -> Path | None:
    """The file holding ``entry`` (a name from ``used()``) of that assignment version, where this process would
    read it (shipped with ``folder``, else the cache), or None."""
    for directory in _directories(name, version, Path(folder)):
        if read_entry(directory / entry) is not None:
            return directory / entry
    return None


def _directories(name: str, version: str, folder: Path) -> list[Path]:
    """Where an entry is looked for, in order: shipped with the folder, then the cache."""
    return [folder / "checks" / SHIPPED, folder / SHIPPED, _cache_directory(name, version, folder)]


def _torch_version() -> str:
    torch = sys.modules.get("torch")
    return str(getattr(torch, "__version__", "")) if torch is not None else ""


# --- the file format: grader/core/framed_file.py, headed by FORMAT ---------------------------------------------
def _write(path: Path, key: str, name: str, tree, blobs: list[bytes]) -> None:
    header = json.dumps({"key": key, "function": name, "value": tree}, allow_nan=True).encode()
    try:
        write_framed(path, FORMAT, header, blobs, mode=0o644)
    except OSError:
        pass  # a cache that cannot be written (read-only home, full disk): the value is computed next time


def read_entry(path: Path) -> tuple[dict, list[bytes]] | None:
    """The header and blobs of an entry file, or None when it is missing or not an entry of this format."""
    found = read_framed(path, (FORMAT,))
    return found if found is not None and isinstance(found[0], dict) else None


def _read_first(directories: list[Path], entry: str, key: str):
    for directory in directories:
        found = read_entry(directory / entry)
        if found is None or found[0].get("key") != key:
            continue  # missing, damaged, or another key's (never trusted by its name alone)
        header, blobs = found
        try:
            decode(header.get("value"), blobs)  # a damaged entry is computed again
        except (AssignmentError, ValueError, TypeError, IndexError, RuntimeError):
            continue
        return header.get("value"), blobs
    return None


# --- plain values to JSON trees plus blobs, and back ----------------------------------------------------------
def encode(value, blobs: list[bytes], where: str = "the value", depth: int = 0):
    """``value`` as a JSON-able tree (tensors as blob indices into ``blobs``); AssignmentError for anything that
    is not plain data. Lists are JSON lists; tuples, dicts and tensors are tagged objects."""
    if depth > _MAX_DEPTH:
        raise AssignmentError(f"{where} nests deeper than {_MAX_DEPTH} levels: a reference value is plain data")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return [encode(v, blobs, where, depth + 1) for v in value]
    if kind is tuple:
        return {"t": "tuple", "items": [encode(v, blobs, where, depth + 1) for v in value]}
    if kind is dict:
        items = []
        for k, v in value.items():
            if not _plain_key(k):
                raise AssignmentError(f"{where} is a dict with the key {k!r} ({type(k).__name__}): keys of a "
                                      "reference value are None, bool, int, float, str or tuples of them")
            items.append([encode(k, blobs, where, depth + 1), encode(v, blobs, where, depth + 1)])
        return {"t": "dict", "items": items}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        dtype = str(value.dtype).removeprefix("torch.")
        if value.layout != torch.strided or dtype not in _DTYPES:
            raise AssignmentError(f"{where} is a {value.layout} {dtype} tensor: a reference value's tensors are dense, "
                                  f"of one of {', '.join(_DTYPES)}")
        flat = value.detach().cpu().contiguous().reshape(-1)
        blobs.append(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
        return {"t": "tensor", "dtype": dtype, "shape": list(value.shape), "blob": len(blobs) - 1}
    raise AssignmentError(f"{where} is a {kind.__module__}.{kind.__qualname__}: a reference value is plain data "
                          "(None, bool, int, float, str, list, tuple, dict, torch.Tensor), never another object; "
                          "return e.g. float(x), x.tolist() or a dict of its fields")


def _plain_key(key) -> bool:
    if key is None or type(key) in (bool, int, float, str):
        return True
    return type(key) is tuple and all(_plain_key(k) for k in key)


def decode(tree, blobs: list[bytes]):
    """The value ``encode`` made ``tree`` of: fresh lists, dicts and tensors on every call."""
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [decode(v, blobs) for v in tree]
    if type(tree) is not dict:
        raise ValueError(f"not a reference value: {type(tree).__name__}")
    tag = tree.get("t")
    if tag == "tuple":
        return tuple(decode(v, blobs) for v in tree["items"])
    if tag == "dict":
        return {_hashable(decode(k, blobs)): decode(v, blobs) for k, v in tree["items"]}
    if tag == "tensor":
        import torch

        if tree.get("dtype") not in _DTYPES:
            raise ValueError(f"unknown tensor dtype {tree.get('dtype')!r}")
        dtype = getattr(torch, tree["dtype"])
        shape = [int(n) for n in tree["shape"]]
        blob = blobs[int(tree["blob"])]
        if not blob:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(blob), dtype=torch.uint8).view(dtype).reshape(shape).clone()
    raise ValueError(f"unknown tag {tag!r}")


def _hashable(key):
    if type(key) is list:  # only from a damaged file: encode writes tuples as tagged objects
        raise ValueError("a list as a dict key")
    return key
