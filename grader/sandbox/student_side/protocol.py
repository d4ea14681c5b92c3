"""The wire between the grader and a student process: framed JSON plus raw tensor bytes.

A message is a 4-byte big-endian length and a JSON header, followed by the
blobs the header announces (each an 8-byte length and raw bytes). Values are
plain JSON (null, bool, int, float including NaN/Infinity, str, list) or
tagged objects ``{"t": ...}``: ``tuple``, ``dict`` (pairs, so keys keep their
type), ``tensor`` (dtype, shape, blob index), ``ref`` (an object that stays
in the child) and ``global`` (a name looked up in the student's namespace).
Nothing is ever pickled. The receiving side enforces every cap below.
"""
from __future__ import annotations

import builtins
import json
import math
import socket
import struct
import time

import torch

from grader.core.errors import ProtocolError

# Student code may patch builtins, json, struct or torch in the child; this module keeps the originals.
globals()["__builtins__"] = dict(vars(builtins))
_numpy = torch.Tensor.numpy
_monotonic = time.monotonic
_encode_json = json.JSONEncoder(allow_nan=True, separators=(",", ":")).encode

HEADER_CAP = 8 << 20
BLOB_CAP = 256 << 20
MAX_BLOBS = 256
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_STR = 1 << 20

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}

_LEN = struct.Struct(">I")
_BLOB_LEN = struct.Struct(">Q")


def _reject_duplicates(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ProtocolError("duplicate key in a frame")
    return obj


_decoder = json.JSONDecoder(object_pairs_hook=_reject_duplicates)


def _read_exact(sock: socket.socket, n: int, deadline: float | None = None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            # One deadline for the whole message: a peer sending a byte at a time gains nothing.
            remaining = deadline - _monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete answer before the deadline")
            sock.settimeout(remaining)
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def send_message(sock: socket.socket, header: dict, blobs=()) -> None:
    header = dict(header, blobs=len(blobs))
    payload = _encode_json(header).encode()
    parts = [_LEN.pack(len(payload)), payload]
    for blob in blobs:
        parts += [_BLOB_LEN.pack(len(blob)), blob]
    sock.sendall(b"".join(parts))


def recv_message(sock: socket.socket, deadline: float | None = None) -> tuple[dict, list[bytes]]:
    """One message; with ``deadline`` (a ``time.monotonic()`` value), TimeoutError once it passes."""
    (size,) = _LEN.unpack(_read_exact(sock, _LEN.size, deadline))
    if size > HEADER_CAP:
        raise ProtocolError(f"header of {size} bytes exceeds the cap")
    try:
        header = _decoder.decode(_read_exact(sock, size, deadline).decode())
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed header: {type(exc).__name__}") from None
    if not isinstance(header, dict) or type(header.get("blobs")) is not int:
        raise ProtocolError("header is not an object with a blob count")
    if not 0 <= header["blobs"] <= MAX_BLOBS:
        raise ProtocolError("too many blobs")
    blobs = []
    for _ in range(header["blobs"]):
        (n,) = _BLOB_LEN.unpack(_read_exact(sock, _BLOB_LEN.size, deadline))
        if n > BLOB_CAP:
            raise ProtocolError(f"blob of {n} bytes exceeds the cap")
        blobs.append(_read_exact(sock, n, deadline))
    return header, blobs


class Codec:
    """Turns values into JSON-able trees plus blobs and back.

    ``make_ref(obj)`` and ``resolve(tree)`` are the side-specific parts: the
    child keeps objects in a table and hands out ids; the grader resolves
    ``ref`` trees into ``RemoteRef`` handles.
    """

    def __init__(self, make_ref, resolve_ref, resolve_global=None):
        self.make_ref = make_ref
        self.resolve_ref = resolve_ref
        self.resolve_global = resolve_global

    # --- encoding -----------------------------------------------------------
    def encode(self, value, blobs: list, tensor_refs=False, depth=0):
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if abs(value) < 2**63 else {"t": "bigint", "v": str(value)}
        if kind is float:
            return value
        if kind is list:
            return [self.encode(v, blobs, tensor_refs, depth + 1) for v in value]
        if kind is tuple:
            return {"t": "tuple", "items": [self.encode(v, blobs, tensor_refs, depth + 1) for v in value]}
        if kind is dict:
            return {"t": "dict", "items": [[self.encode(k, blobs, tensor_refs, depth + 1),
                                            self.encode(v, blobs, tensor_refs, depth + 1)]
                                           for k, v in value.items()]}
        if (kind in (torch.Tensor, torch.nn.Parameter) and not tensor_refs
                and value.dtype in DTYPE_NAMES and value.layout == torch.strided):
            return self.encode_tensor(value, blobs)
        return self.make_ref(value)

    @staticmethod
    def encode_tensor(tensor, blobs):
        data = torch.Tensor.contiguous(torch.Tensor.detach(tensor).cpu())
        blobs.append(_numpy(data).tobytes() if data.numel() else b"")
        return {"t": "tensor", "dtype": DTYPE_NAMES[data.dtype], "shape": list(data.shape),
                "blob": len(blobs) - 1, "requires_grad": bool(tensor.requires_grad)}

    # --- decoding -----------------------------------------------------------
    def decode(self, tree, blobs, depth=0, budget=None):
        budget = budget if budget is not None else [MAX_ITEMS]
        budget[0] -= 1
        if depth > MAX_DEPTH or budget[0] < 0:
            raise ProtocolError("value nested too deeply or too large")
        if tree is None or type(tree) in (bool, int, float):
            return tree
        if type(tree) is str:
            if len(tree) > MAX_STR:
                raise ProtocolError("string exceeds the cap")
            return tree
        if type(tree) is list:
            return [self.decode(v, blobs, depth + 1, budget) for v in tree]
        if type(tree) is not dict:
            raise ProtocolError("unexpected value in a frame")
        tag = tree.get("t")
        if tag == "tuple":
            return tuple(self.decode(v, blobs, depth + 1, budget) for v in _list(tree, "items"))
        if tag == "dict":
            out = {}
            for pair in _list(tree, "items"):
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("malformed dict item")
                key = self.decode(pair[0], blobs, depth + 1, budget)
                if key in out or not _hashable(key):
                    raise ProtocolError("duplicate or unhashable dict key")
                out[key] = self.decode(pair[1], blobs, depth + 1, budget)
            return out
        if tag == "bigint":
            return int(tree["v"])
        if tag == "tensor":
            return decode_tensor(tree, blobs)
        if tag == "ref":
            return self.resolve_ref(tree)
        if tag == "global" and self.resolve_global is not None:
            return self.resolve_global(tree.get("name"))
        raise ProtocolError(f"unknown value tag {tag!r}")


def _list(tree, key):
    items = tree.get(key)
    if type(items) is not list:
        raise ProtocolError(f"malformed {tree.get('t')}")
    return items


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def decode_tensor(tree, blobs):
    dtype = DTYPES.get(tree.get("dtype"))
    shape = tree.get("shape")
    index = tree.get("blob")
    if dtype is None:
        raise ProtocolError(f"tensor dtype {tree.get('dtype')!r} is not allowed")
    if type(shape) is not list or len(shape) > 16 or any(type(s) is not int or s < 0 for s in shape):
        raise ProtocolError("malformed tensor shape")
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("tensor refers to a missing blob")
    numel = math.prod(shape)
    itemsize = torch.empty((), dtype=dtype).element_size()
    blob = blobs[index]
    if numel * itemsize != len(blob):
        raise ProtocolError("tensor bytes do not match its shape and dtype")
    if numel == 0:
        tensor = torch.empty(shape, dtype=dtype)
    else:
        tensor = torch.frombuffer(bytearray(blob), dtype=dtype).reshape(shape)
    if tree.get("requires_grad") is True and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor


def to_wire(codec: Codec, value, tensor_refs=False):
    blobs: list[bytes] = []
    return codec.encode(value, blobs, tensor_refs), blobs
