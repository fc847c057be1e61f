import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    Lq, Lk = q.shape[-2], k.shape[-2]
    m = torch.full(q.shape[:-1], float("-inf"), dtype=q.dtype)
    l = torch.zeros(q.shape[:-1], dtype=q.dtype)
    o = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    for start in range(0, Lk, block_size):
        end = min(start + block_size, Lk)
        s = q @ k[..., start:end, :].transpose(-2, -1) / math.sqrt(q.shape[-1])
        if causal:
            blocked = torch.arange(start, end)[None, :] > torch.arange(Lq)[:, None]
            s = s.masked_fill(blocked, float("-inf"))
        # stable softmax of the block
        block_max = s.max(dim=-1, keepdim=True).values
        e = torch.exp(s - block_max)
        l = l + e.sum(-1)
        o = o + e @ v[..., start:end, :]
        m = torch.maximum(m, block_max.squeeze(-1))
    return o / l[..., None], m + l.log()
