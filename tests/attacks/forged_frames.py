"""Writes forged result frames straight into every open descriptor, then returns garbage.

A frame that claims a huge size, a frame of a kind that does not exist, and a
well-formed frame around bytes that are not a protocol message: the grader must
stay up, and nothing forged may count as a passing result.
"""
import os
import struct

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    forged = (struct.pack("<cII", b"R", 0, 50) + b"AJ1\n" + b"\0" * 46
              + struct.pack("<cII", b"R", 1, 1 << 30))
    for fd in range(3, 64):
        try:
            os.write(fd, forged)
        except OSError:
            pass
    return torch.zeros(1), torch.zeros(1)
