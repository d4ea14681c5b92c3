"""The cache's file layout, shared by solution outputs and reference values: a format line, an 8-byte header
length, a JSON header, then each blob (raw tensor bytes) as an 8-byte length and its bytes. Never pickle."""
from __future__ import annotations

import json
import os
import struct
import tempfile
from pathlib import Path


def write_framed(path: Path, format_line: bytes, header: bytes, blobs: list[bytes], mode: int | None = None) -> None:
    """Write atomically: readers (other processes computing the same entry) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".entry-")
    with os.fdopen(fd, "wb") as f:
        f.write(format_line + struct.pack(">Q", len(header)) + header)
        for blob in blobs:
            f.write(struct.pack(">Q", len(blob)) + blob)
    if mode is not None:
        os.chmod(partial, mode)
    os.replace(partial, path)


def read_framed(path: Path, format_lines: tuple[bytes, ...]):
    """``(JSON header, blobs)``, or None when the file is missing, of another format, or cut short."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    line = next((f for f in format_lines if raw.startswith(f)), None)
    if line is None:
        return None
    at = len(line)
    try:
        (size,) = struct.unpack_from(">Q", raw, at)
        header = json.loads(raw[at + 8:at + 8 + size])
        at += 8 + size
        blobs = []
        while at < len(raw):
            (n,) = struct.unpack_from(">Q", raw, at)
            if at + 8 + n > len(raw):
                return None
            blobs.append(raw[at + 8:at + 8 + n])
            at += 8 + n
    except (ValueError, struct.error):
        return None
    return header, blobs
