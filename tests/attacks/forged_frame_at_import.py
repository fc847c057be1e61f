"""Writes a well-formed result frame into every open descriptor while it loads, before any test.

The grader must not take it for a result, and must say that the submission wrote
to its result channel, not describe the protocol's state.
"""
import os
import struct

FRAME = b"R" + struct.pack("<II", 0, 16) + b"AJ1\n" + b"\x00" * 12
for fd in range(3, 64):
    try:
        os.write(fd, FRAME)
    except OSError:
        pass


def scaled_dot_product_attention(q, k, v, mask=None):
    raise AssertionError("never reached: the forged frame ends the child")
