"""Holds memory in several forked processes at once, each under the per-process limit."""
import os
import time

import torch

CHILDREN, EACH_MB = 4, 400


def scaled_dot_product_attention(q, k, v, mask=None):
    read_end, write_end = os.pipe()
    pids = []
    for _ in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            block = torch.ones(EACH_MB * 1024 * 1024 // 4)  # touched: resident
            os.write(write_end, b"+")
            time.sleep(30)
            os._exit(0 if block.sum() else 1)
        pids.append(pid)
    os.close(write_end)
    held = 0
    deadline = time.monotonic() + 20
    while held < CHILDREN and time.monotonic() < deadline:
        data = os.read(read_end, 16)
        if not data:
            break
        held += len(data)
    raise RuntimeError(f"HELD={held * EACH_MB}MB")
