"""The data-only wire format: round trips, and hostile messages rejected cleanly."""

from __future__ import annotations

import json
import struct

import pytest
import torch

from grader.sandbox.protocol import (HEADER_PREFIX, MAGIC, GeneratorSeed, ProtocolError, Unsupported,
                                     decode, encode)


def _message(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return MAGIC + struct.pack("<IQ", len(raw), len(payload)) + raw + payload


def test_round_trip_of_every_supported_value():
    value = {
        "t32": torch.randn(2, 3),
        "t64": torch.randn(4, dtype=torch.float64),
        "bf16": torch.randn(3).bfloat16(),
        "ids": torch.arange(5),
        "mask": torch.tensor([[True, False]]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
        "misc": (1, 2.5, float("nan"), float("-inf"), None, True, "text"),
        "nested": [{"a": [1, 2]}],
        "gen": GeneratorSeed(7),
        "dtype": torch.float64,
        "unsupported": Unsupported("Foo"),
    }
    back = decode(encode(value))
    for key in ("t32", "t64", "bf16", "ids", "mask", "scalar", "empty"):
        assert back[key].dtype == value[key].dtype and torch.equal(back[key], value[key])
    assert back["misc"][:2] == (1, 2.5) and back["misc"][2] != back["misc"][2]
    assert back["misc"][3:] == (float("-inf"), None, True, "text")
    assert back["nested"] == [{"a": [1, 2]}]
    assert back["gen"].make().initial_seed() == 7
    assert back["dtype"] is torch.float64
    assert back["unsupported"] == Unsupported("Foo")


@pytest.mark.parametrize("header,payload,message", [
    ({"tree": {"__tensor__": 0}, "tensors": [{"dtype": "float32", "shape": [2], "nbytes": 4}]},
     b"\0" * 4, "byte count"),
    ({"tree": {"__tensor__": 0}, "tensors": [{"dtype": "object", "shape": [1], "nbytes": 8}]},
     b"\0" * 8, "unsupported dtype"),
    ({"tree": {"__tensor__": 3}, "tensors": []}, b"", "tensor reference"),
    ({"tree": None, "tensors": []}, b"\0", "unexpected bytes"),
    ({"tree": {"__float__": "__import__('os')"}, "tensors": []}, b"", "bad float"),
    ({"tree": None, "tensors": [{"dtype": "float32", "shape": [-1], "nbytes": 4}]}, b"\0" * 4, "shape"),
])
def test_hostile_messages_are_rejected(header, payload, message):
    with pytest.raises(ProtocolError, match=message):
        decode(_message(header, payload))


def test_truncated_and_oversized_messages_are_rejected():
    good = encode({"x": torch.ones(3)})
    with pytest.raises(ProtocolError):
        decode(good[:-1])
    with pytest.raises(ProtocolError):
        decode(b"XXXX" + good[4:])
    huge = MAGIC + struct.pack("<IQ", 10, 1 << 40)
    with pytest.raises(ProtocolError, match="too large"):
        decode(huge + b"\0" * (HEADER_PREFIX))


def test_objects_that_are_not_data_cannot_be_sent():
    with pytest.raises(ProtocolError):
        encode({"f": lambda: 1})
    with pytest.raises(ProtocolError):
        encode({1: "non-string key"})
