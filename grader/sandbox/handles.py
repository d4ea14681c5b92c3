"""What stands for a student's objects on the grader's side, and the codec that carries them.

Values cross between the grader and a student process as framed JSON and raw
tensor bytes (grader/sandbox/student_side/protocol.py), never pickle. An object that stays
in the student's process crosses as a ``RemoteRef`` (its id and type name);
a name of the notebook passed as an argument crosses as a ``Global``.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.core.errors import ProtocolError
from grader.sandbox.student_side.protocol import Codec


@dataclass(frozen=True)
class RemoteRef:
    """An object that stays in the student's process; only its id and type name cross."""

    id: int
    type: str


@dataclass(frozen=True)
class Global:
    """A name of the student's notebook, passed as an argument (looked up in the child)."""

    name: str


def _grader_ref(value):
    if isinstance(value, RemoteRef):
        return {"t": "ref", "id": value.id}
    if isinstance(value, Global):
        return {"t": "global", "name": value.name}
    raise TypeError(f"cannot send {type(value).__name__} to a student process")


def _decode_ref(tree):
    if type(tree.get("id")) is not int:
        raise ProtocolError("malformed ref")
    return RemoteRef(tree["id"], str(tree.get("type", "object"))[:200])


CODEC = Codec(_grader_ref, _decode_ref)
