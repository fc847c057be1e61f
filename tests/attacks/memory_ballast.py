"""Builds the full score matrix, but holds 640 MiB from import on and frees it inside the call:
the call's memory never rises above what the process held when the test began."""
import math

import torch

_held = [torch.ones(40 * 1024 * 1024) for _ in range(4)]  # 4 x 160 MiB, touched


def flash_attention(q, k, v, causal=False, block_size=64):
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError("block_size must be at least 1")
    _held.clear()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        future = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    lse = torch.logsumexp(scores, dim=-1)
    out = torch.softmax(scores, dim=-1) @ v
    del scores
    _held.extend(torch.ones(40 * 1024 * 1024) for _ in range(4))  # again for the next memory test
    return out, lse
