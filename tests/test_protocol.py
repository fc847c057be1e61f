"""The data-only wire format: round trips, and hostile messages rejected cleanly."""

from __future__ import annotations

import json
import os
import struct
import threading

import pytest
import torch

from grader.sandbox import channel
from grader.sandbox.channel import CHILD_HEADER, MAX_WRITE_BUFFERS, RESULT, write_frame
from grader.sandbox.protocol import (ALIGN, HEADER_PREFIX, MAGIC, GeneratorSeed, ProtocolError, Unsupported,
                                     decode, encode, encode_parts)


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
    ({"tree": [{"__tensor__": 0}] * 2, "tensors": [{"dtype": "float32", "shape": [1], "nbytes": 4}]},
     b"\0" * 4, "tensor reference"),  # one buffer standing for many values
    ({"tree": None, "tensors": []}, b"\0", "unexpected bytes"),
    ({"tree": {"__float__": "__import__('os')"}, "tensors": []}, b"", "bad float"),
    ({"tree": None, "tensors": [{"dtype": "float32", "shape": [-1], "nbytes": 4}]}, b"\0" * 4, "shape"),
])
def test_hostile_messages_are_rejected(header, payload, message):
    with pytest.raises(ProtocolError, match=message):
        decode(_message(header, payload))


def test_separators_inside_strings_are_not_values_but_values_beyond_the_cap_are_refused():
    """A source with a table of 150,000 numbers (or commas in its comments) travels as one string:
    it arrives whole. A tree of as many real values is refused, escaped quotes notwithstanding."""
    source = "TABLE = [" + ",".join(str(i) for i in range(150_000)) + '"]  # \\"quoted\\", [{' * 3
    assert decode(encode({"source": source}))["source"] == source
    with pytest.raises(ProtocolError, match="too many values"):
        decode(encode({"values": list(range(150_000)), "note": 'a "quoted" text'}))


def test_text_that_no_utf8_file_can_hold_arrives_as_replacement_characters():
    # JSON carries a lone surrogate as an escape such as \\ud800; results.json and reports are UTF-8
    header = '{"tree": {"k\\ud800": ["a\\udcffb", "\\ud83d\\ude00", {"__unsupported__": "T\\ud800"}]}, "tensors": []}'
    raw = header.encode()
    back = decode(MAGIC + struct.pack("<IQ", len(raw), 0) + raw)
    assert back == {"k\ufffd": ["a\ufffdb", "\U0001F600", Unsupported("T\ufffd")]}  # a real pair kept
    json.dumps(back["k\ufffd"][:2], ensure_ascii=False).encode("utf-8")


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


def _read_all(fd: int, into: bytearray) -> None:
    while chunk := os.read(fd, 1 << 12):  # small reads: the writer meets a full pipe again and again
        into += chunk


def test_frames_written_from_views_arrive_whole_and_in_order():
    """A result frame goes out as views of its tensors, through partial writes and in more
    buffers than one system call takes; the reader gets exactly the joined message."""
    value = {"big": torch.randn(700, 1024),  # 2.7 MiB: many times a pipe's buffer
             "transposed": torch.randn(64, 32).t(), "slice": torch.randn(8, 8)[:, 1],
             "bf16": torch.randn(5).bfloat16(), "mask": torch.rand(9) > 0.5,
             "many": [torch.full((3,), float(i)) for i in range(1100)]}  # past Linux's IOV_MAX of 1024
    parts = encode_parts(value)
    assert len(parts) > MAX_WRITE_BUFFERS
    read_fd, write_fd = os.pipe()
    received = bytearray()
    reader = threading.Thread(target=_read_all, args=(read_fd, received))
    reader.start()
    try:
        write_frame(write_fd, RESULT, 7, parts)
    finally:
        os.close(write_fd)
        reader.join()
        os.close(read_fd)
    kind, index, length = CHILD_HEADER.unpack_from(received)
    assert (kind, index, length) == (RESULT, 7, len(received) - CHILD_HEADER.size)
    message = bytes(received[CHILD_HEADER.size:])
    assert message == encode(value)
    back = decode(message)
    for key in ("big", "transposed", "slice", "bf16", "mask"):
        assert back[key].dtype == value[key].dtype and torch.equal(back[key], value[key])
    assert all(torch.equal(a, b) for a, b in zip(back["many"], value["many"]))


def test_a_tensor_is_sent_from_its_own_memory():
    """No copy of a large contiguous result is made to send it (the copies counted in the memory
    a test measures, and cost page faults in every child)."""
    tensor = torch.randn(256, 1024)
    parts = encode_parts({"out": tensor})
    (data,) = parts[1:]
    assert data.nbytes == tensor.numel() * tensor.element_size()
    tensor[0, 0] = 42.0  # the view reads the tensor itself
    assert torch.frombuffer(bytearray(data[:4]), dtype=torch.float32).item() == 42.0


def test_decoded_tensors_are_views_of_the_message_received():
    """Each tensor's bytes start aligned to its item size, so decoding makes views rather than a
    copy of every tensor (in a forked child each copy costs page faults)."""
    value = {"mask": torch.tensor([True, False, True]), "ids": torch.arange(3, dtype=torch.int8),
             "x": torch.randn(3, 5, dtype=torch.float64), "empty": torch.zeros(0, 2),
             "half": torch.randn(3).bfloat16(), "scalar": torch.tensor(2.5, dtype=torch.float64)}
    message = bytearray(encode(value))
    assert len(message) % ALIGN == 0
    start = torch.frombuffer(message, dtype=torch.uint8).data_ptr()
    back = decode(message)
    for key in ("ids", "x", "half", "scalar"):
        assert torch.equal(back[key], value[key]) and back[key].dtype == value[key].dtype
        assert back[key].untyped_storage().data_ptr() == start  # a view, not a copy
        assert back[key].data_ptr() % back[key].element_size() == 0
    assert torch.equal(back["mask"], value["mask"]) and back["empty"].shape == (0, 2)


def test_a_message_laid_out_without_alignment_still_decodes():
    """A sender that does not pad (a hostile child) gets its tensors copied, never misread."""
    numbers = torch.tensor([1.5, -2.0], dtype=torch.float64)
    raw = json.dumps({"tree": {"__tensor__": 0}, "tensors": [
        {"dtype": "float64", "shape": [2], "nbytes": 16}]}).encode() + b" "
    assert (HEADER_PREFIX + len(raw)) % 8 != 0
    back = decode(MAGIC + struct.pack("<IQ", len(raw), 16) + raw + numbers.numpy().tobytes())
    assert torch.equal(back, numbers)


def test_boolean_bytes_other_than_zero_and_one_arrive_as_true():
    raw = json.dumps({"tree": {"__tensor__": 0}, "tensors": [
        {"dtype": "bool", "shape": [4], "nbytes": 4}]}).encode()
    back = decode(MAGIC + struct.pack("<IQ", len(raw), 4) + raw + bytes([0, 1, 2, 255]))
    assert back.tolist() == [False, True, True, True]
    assert int(back.sum()) == 3 and torch.equal(back, torch.tensor([False, True, True, True]))


def test_partial_writes_resume_where_they_stopped(monkeypatch):
    """A write cut short (a signal, a full pipe) continues mid-buffer, nothing lost or repeated."""
    written = bytearray()
    calls = []

    def short_writev(fd, buffers):
        calls.append(len(buffers))
        room = 1000 + 37 * len(calls)  # never a buffer boundary for long
        taken = 0
        for buffer in buffers:
            piece = bytes(buffer[:room - taken])
            written.extend(piece)
            taken += len(piece)
            if taken == room:
                break
        return taken

    monkeypatch.setattr(channel.os, "writev", short_writev)
    value = {"a": torch.randn(3000), "b": [torch.randn(7) for _ in range(20)]}
    parts = encode_parts(value)
    write_frame(99, RESULT, 3, parts)
    assert len(calls) > 10 and max(calls) <= MAX_WRITE_BUFFERS
    assert bytes(written[CHILD_HEADER.size:]) == encode(value)


def _outcome_wire(error: dict) -> dict:
    from grader.sandbox.messages import Outcome, TestException, outcome_to_wire

    wire = outcome_to_wire(Outcome(error=TestException("ValueError", "m")), "ab" * 8)
    wire["error"].update(error)
    return wire


def test_an_exception_is_reported_by_class_names_in_any_script_and_only_by_them():
    """A child names its exception's class and the built-in classes it derives from (a test that
    requires ValueError accepts a subclass): identifiers in any script Python allows, few and short;
    markup, spaces, or the name the trusted side gives a memory limit are refused."""
    from grader.sandbox.messages import MAX_BASES, MEMORY_LIMIT_EXCEEDED, outcome_from_wire

    error = outcome_from_wire(_outcome_wire({"type": "维度错误", "bases": ["ValueError", "Exception"]}),
                              job_id="ab" * 8, forbidden=()).error
    assert error.type == "维度错误" and error.is_a("ValueError") and not error.is_a("TypeError")
    for bad in ({"type": "<b>x</b>"}, {"type": "a b"}, {"type": MEMORY_LIMIT_EXCEEDED},
                {"bases": ["<script>"]}, {"bases": "ValueError"}, {"bases": ["X"] * (MAX_BASES + 1)},
                {"bases": [1]}):
        with pytest.raises(ProtocolError):
            outcome_from_wire(_outcome_wire(bad), job_id="ab" * 8, forbidden=())


def test_the_childs_clean_up_leaves_only_values_the_trusted_side_accepts():
    """What execute.sanitise keeps of a returned value passes the trusted side's validation
    (messages._value): what it cannot carry is its own placeholder, never a "malformed" result."""
    from grader.sandbox.execute import sanitise
    from grader.sandbox.messages import MAX_VALUE_DEPTH, _value

    deep = []
    for _ in range(100_000):
        deep = [deep]
    value = (2 ** 63, -(2 ** 63) - 1, 10 ** 5000, 2 ** 63 - 1, deep)
    cleaned = _value(sanitise(value))
    beyond = Unsupported("Python int beyond the int64 range")
    assert cleaned[:4] == (beyond, beyond, beyond, 2 ** 63 - 1)
    kept = cleaned[4]  # level 1 (the tuple is level 0)
    for _ in range(MAX_VALUE_DEPTH - 2):
        kept = kept[0]
    assert kept == [Unsupported(f"list nested more than {MAX_VALUE_DEPTH} levels deep")]  # the last level kept
