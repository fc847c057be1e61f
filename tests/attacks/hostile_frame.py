"""Sends one hostile message through the real result channel, well framed but poisoned inside.

The variant is ``@VARIANT@``. The submission finds the child's own job ID and
result descriptor on the call stack, so a forged message passes every check
except the one it attacks: nested JSON, a huge integer, a tensor shape whose
size overflows, a field of the wrong type, an error type or a load failure's
kind carrying terminal escapes, oversize strings and name lists, or a length claimed and
never sent. Each must cost this submission only.
"""
import json
import struct
import sys
import time

import torch

VARIANT = "@VARIANT@"


def _child_state():
    frame = sys._getframe(1)
    while frame is not None:
        names = frame.f_locals
        if "job" in names and "result_fd" in names:
            return names["job"].job_id, names["result_fd"], names.get("index", names["job"].first)
        frame = frame.f_back
    raise RuntimeError("the child's state is not on the stack")


def _message(header: bytes, payload: bytes = b"", claimed_payload: int | None = None) -> bytes:
    size = len(payload) if claimed_payload is None else claimed_payload
    return b"AJ1\n" + struct.pack("<IQ", len(header), size) + header + payload


def _frame(kind: bytes, index: int, message: bytes, claimed: int | None = None) -> bytes:
    return struct.pack("<cII", kind, index, len(message) if claimed is None else claimed) + message


def _outcome(job_id: str, **fields) -> dict:
    wire = {"job_id": job_id, "value": None, "grads": None, "param_grads": None, "mutated": [],
            "error": None, "stats": None, "seconds": 0.0}
    wire.update(fields)
    return wire


def _header(tree, tensors=()) -> bytes:
    return json.dumps({"tree": tree, "tensors": list(tensors)}).encode()


def _error(kind_of_type: str, message: str = "boom", lines=()) -> dict:
    return {"type": kind_of_type, "message": message, "lines": lines, "forbidden": None}


def _poison(job_id: str) -> tuple[bytes, bytes]:
    """(kind, message) of the variant's frame."""
    if VARIANT == "deep_json":
        deep = b"[" * 100_000 + b"]" * 100_000
        return b"R", _message(b'{"tree": ' + deep + b', "tensors": []}')
    if VARIANT == "huge_int":
        header = _header(_outcome(job_id, seconds=0)).replace(b'"seconds": 0', b'"seconds": ' + b"9" * 5000)
        return b"R", _message(header)
    if VARIANT == "shape_overflow":
        tensor = {"dtype": "float32", "shape": [1 << 40, 1 << 40, 1 << 40], "nbytes": 4}
        return b"R", _message(_header(_outcome(job_id, value={"__tensor__": 0}), [tensor]), b"\0" * 4)
    if VARIANT == "lines_wrong_type":
        return b"R", _message(_header(_outcome(job_id, error=_error("ValueError", lines=7))))
    if VARIANT == "escape_in_type":
        return b"R", _message(_header(_outcome(job_id, error=_error("\x1b]52;c;cHduZWQ=\x07Error"))))
    if VARIANT == "huge_type":
        return b"R", _message(_header(_outcome(job_id, error=_error("E" * 1_000_000))))
    if VARIANT == "huge_message":
        return b"R", _message(_header(_outcome(job_id, error=_error("ValueError", "\x1b[2J" * 2_000_000))))
    if VARIANT == "huge_names":
        return b"R", _message(_header(_outcome(job_id, mutated=["q" * 1000] * 100_000)))
    if VARIANT == "claimed_2_40":
        return b"R", _message(b'{"tree": null, "tensors": []}', claimed_payload=1 << 40)
    if VARIANT == "wrong_job":
        return b"R", _message(_header(_outcome("0" * 16, value=1.0)))
    raise ValueError(VARIANT)


def _send_poison():
    import os

    job_id, fd, index = _child_state()
    kind, message = _poison(job_id)
    os.write(fd, _frame(kind, index, message))


def _stall():
    """Claim a frame of 4 GiB, send its first bytes, and keep the pipe open."""
    import os

    _, fd, index = _child_state()
    os.write(fd, struct.pack("<cII", b"R", index, 0xFFFFFFFF) + b"AJ1\n")
    time.sleep(3600)


def _forge_load_report():
    """At import, before the real load report: a failure whose kind carries terminal escapes."""
    import os

    job_id, fd, _ = _child_state()
    failure = {"kind": "\x1b]0;pwned\x07import_error", "detail": "\x1b]52;c;cHduZWQ=\x07", "lines": []}
    os.write(fd, _frame(b"L", 0, _message(_header({"job_id": job_id, "failure": failure}))))


if VARIANT == "forged_load_kind":
    _forge_load_report()


def scaled_dot_product_attention(q, k, v, mask=None):
    if VARIANT == "stall":
        _stall()
    _send_poison()
    time.sleep(0.2)
    return torch.zeros(1), torch.zeros(1)
