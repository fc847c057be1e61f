"""Writes well-formed forged replies on every descriptor it holds, then returns wrong values.

A forged result frame for every test, forged zygote replies, forged job answers:
none may reach another job, and its own forged frames must not count.
"""
import json
import os
import struct

import torch


def _forge_everywhere():
    body = json.dumps({"tree": {"job_id": "0" * 16, "value": 1.0, "grads": None, "param_grads": None,
                                "mutated": [], "error": None, "stats": None, "seconds": 0.0},
                       "tensors": []}).encode()
    message = b"AJ1\n" + struct.pack("<IQ", len(body), 0) + body
    frames = b"".join(struct.pack("<cII", b"R", i, len(message)) + message for i in range(32))
    control = json.dumps({"op": "exited", "req": 2, "status": 0}).encode()
    written = []
    for fd in range(0, 256):
        for data in (frames, control, b"g" * 64):
            try:
                os.write(fd, data)
                written.append(fd)
            except OSError:
                pass
    return sorted(set(written))


WRITTEN = _forge_everywhere()


def scaled_dot_product_attention(q, k, v, mask=None):
    _forge_everywhere()
    return torch.full((*q.shape[:-1], v.shape[-1]), 7.0, dtype=q.dtype), None
