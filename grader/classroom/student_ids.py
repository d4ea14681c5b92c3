"""Student ids as the names of their folders in ``--out``: one safe path component each, unique, readable.

An id comes from a file's name, a folder's name or a roster, all chosen by
someone else; it names the folder the student's ``feedback.html`` and
``results.json`` are written into. ``safe_ids`` maps each to a name that is a
single component inside the output folder on every common file system: no
separators, no ``.``/``..``, no leading dot (hidden) or dash (read as an
option by shell tools), no control characters, at most ``MAX_LENGTH``
characters and 200 UTF-8 bytes, and distinct from every other id even where
the file system folds case or Unicode normalisation (macOS, Windows). Ids
that are already safe are kept as they are.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from grader.core.errors import GraderError

MAX_LENGTH = 100
MAX_BYTES = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]")
# The first path components of grader serve's own pages: a student folder of one of these names would be
# hidden behind the page (``static/feedback.html`` is a static file).
RESERVED = frozenset({"static", "similarity", "review", "groups", "rubric", "students", "export.csv"})


def safe_id(raw: str) -> str:
    """``raw`` as one safe path component (uniqueness across a class is ``safe_ids``' job)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(raw))).strip()
    # A leading dot hides the folder (or is "." / ".."); a leading dash reads as an option to `rm`, `ls`...
    name = re.sub(r"^[.\-]+", lambda m: "_" * len(m.group()), name)
    name = name.rstrip(". ")  # Windows drops trailing dots and spaces: "a." and "a" would be one folder
    if not name:
        name = "_"
    if len(name) > MAX_LENGTH or len(name.encode()) > MAX_BYTES:
        digest = hashlib.sha256(str(raw).encode("utf-8", "surrogatepass")).hexdigest()[:10]
        short = name[:MAX_LENGTH - 11]
        while len(short.encode()) > MAX_BYTES - 11:
            short = short[:-1]
        name = f"{short}-{digest}"
    if name.casefold() in RESERVED:
        name += "_"
    return name


def safe_ids(ids) -> list[str]:
    """Each of ``ids`` made safe; where two would name one folder (also ignoring case and Unicode
    normalisation), the later ones get ``-2``, ``-3``..."""
    taken: set[str] = set()
    result = []
    for raw in ids:
        base = safe_id(raw)
        name, n = base, 1
        while _folded(name) in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(_folded(name))
        result.append(name)
    return result


def _folded(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def student_folder(out_dir: Path, student_id: str) -> Path:
    """The folder of ``student_id`` inside ``out_dir``; refuses an id that would name anything else."""
    if safe_id(student_id) != student_id:
        raise GraderError(f"the student id {student_id!r} is not a safe folder name; grade again so it gets one")
    return Path(out_dir) / student_id
