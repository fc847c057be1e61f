import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size <= 0:
        raise ValueError("block_size")
    B = q.shape[:-2]
    Lq, D = q.shape[-2:]
    Lk = k.shape[-2]
    row_max = q.new_full((*B, Lq, 1), -float("inf"))
    row_sum = q.new_zeros((*B, Lq, 1))
    out = q.new_zeros((*B, Lq, v.shape[-1]))
    for j in range(0, Lk, block_size):
        s = q @ k[..., j:j + block_size, :].transpose(-2, -1) / math.sqrt(D)
        if causal:
            i_idx = torch.arange(Lq).unsqueeze(1)
            j_idx = torch.arange(j, min(j + block_size, Lk)).unsqueeze(0)
            s = s.masked_fill(j_idx > i_idx, -float("inf"))
        new_max = torch.maximum(row_max, s.max(dim=-1, keepdim=True).values)
        p = torch.exp(s - new_max)
        out = out * torch.exp(row_max - new_max) + p @ v[..., j:j + block_size, :]
        row_sum = row_sum + p.sum(dim=-1, keepdim=True)
        row_max = new_max
    return out / row_sum, (row_max + torch.log(row_sum)).squeeze(-1)
