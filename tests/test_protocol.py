"""The grader refuses malformed frames from a child: it never trusts what crosses the wire."""
import json
import math
import socket
import struct

import pytest
import torch

from grader.core.errors import ProtocolError
from grader.sandbox.handles import CODEC, RemoteRef
from grader.sandbox.student_side.protocol import recv_message, send_message, to_wire


def roundtrip_raw(payload: bytes, blobs=()):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(struct.pack(">I", len(payload)) + payload + b"".join(struct.pack(">Q", len(x)) + x for x in blobs))
        return recv_message(b)


def decode(tree, blobs=()):
    return CODEC.decode(tree, list(blobs))


def test_values_roundtrip_with_nan_and_tensors():
    value = [1, 2.5, float("nan"), float("inf"), "s", None, True, (1, 2), {"k": torch.tensor([1.0, -2.0])},
             torch.zeros(0, 3, dtype=torch.float64), torch.tensor(3, dtype=torch.int64)]
    tree, blobs = to_wire(CODEC, value)
    a, b = socket.socketpair()
    with a, b:
        send_message(a, {"value": tree}, blobs)
        header, got_blobs = recv_message(b)
    got = decode(header["value"], got_blobs)
    assert got[:2] == [1, 2.5] and math.isnan(got[2]) and got[3] == math.inf and got[4:8] == ["s", None, True, (1, 2)]
    assert torch.equal(got[8]["k"], torch.tensor([1.0, -2.0])) and got[9].shape == (0, 3) and got[10].item() == 3


def test_duplicate_keys_are_rejected():
    with pytest.raises(ProtocolError, match="duplicate"):
        roundtrip_raw(b'{"ok": true, "ok": false, "blobs": 0}')


def test_header_over_cap_is_rejected():
    a, b = socket.socketpair()
    with a, b:
        a.sendall(struct.pack(">I", 1 << 30))
        with pytest.raises(ProtocolError, match="cap"):
            recv_message(b)


@pytest.mark.parametrize("tree, blobs, phrase", [
    ({"t": "tensor", "dtype": "float32", "shape": [3], "blob": 0}, [b"\0" * 8], "do not match"),
    ({"t": "tensor", "dtype": "object", "shape": [1], "blob": 0}, [b"\0" * 8], "not allowed"),
    ({"t": "tensor", "dtype": "float32", "shape": [-1], "blob": 0}, [b""], "shape"),
    ({"t": "tensor", "dtype": "float32", "shape": [1], "blob": 3}, [], "missing blob"),
    ({"t": "pickle", "data": "gASV"}, [], "unknown value tag"),
    ({"t": "dict", "items": [["a", 1], ["a", 2]]}, [], "duplicate"),
    ({"t": "ref", "id": "1"}, [], "malformed ref"),
])
def test_malformed_values_are_rejected(tree, blobs, phrase):
    with pytest.raises(ProtocolError, match=phrase):
        decode(tree, blobs)


def test_deep_nesting_is_rejected():
    tree = []
    for _ in range(100):
        tree = [tree]
    with pytest.raises(ProtocolError, match="deeply"):
        decode(json.loads(json.dumps(tree)))


def test_refs_decode_to_handles_not_objects():
    assert decode({"t": "ref", "id": 4, "type": "Net"}) == RemoteRef(4, "Net")
