import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be positive")
    Lq, Lk = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1], float("-inf"), dtype=q.dtype)
    l = torch.zeros(q.shape[:-1], dtype=q.dtype)
    acc = torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype)
    qpos = torch.arange(Lq).view(-1, 1)
    for start in range(0, Lk, block_size):
        kb = k[..., start:start + block_size, :]
        vb = v[..., start:start + block_size, :]
        scores = q @ kb.transpose(-2, -1) * scale
        if causal:
            kpos = torch.arange(start, start + kb.shape[-2]).view(1, -1)
            scores = scores.masked_fill(kpos > qpos, float("-inf"))
        new_m = torch.maximum(m, scores.amax(-1))
        p = torch.exp(scores - new_m.unsqueeze(-1))
        l = l * torch.exp(m - new_m) + p.sum(-1)
        acc = acc + p @ vb
        m = new_m
    return acc / l.unsqueeze(-1), m + torch.log(l)
