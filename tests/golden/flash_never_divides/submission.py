import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    n_q, n_k = q.shape[-2], k.shape[-2]
    m = q.new_full(q.shape[:-1], -math.inf)
    l = q.new_zeros(q.shape[:-1])
    acc = q.new_zeros(q.shape[:-1] + v.shape[-1:])
    for start in range(0, n_k, block_size):
        stop = min(start + block_size, n_k)
        s = torch.matmul(q, k[..., start:stop, :].transpose(-2, -1)) / math.sqrt(q.shape[-1])
        if causal:
            future = torch.arange(start, stop) > torch.arange(n_q).unsqueeze(-1)
            s = torch.where(future, torch.tensor(-math.inf, dtype=s.dtype), s)
        m_new = torch.maximum(m, s.amax(-1))
        alpha = torch.exp(m - m_new)
        p = torch.exp(s - m_new.unsqueeze(-1))
        l = alpha * l + p.sum(-1)
        acc = alpha.unsqueeze(-1) * acc + torch.matmul(p, v[..., start:stop, :])
        m = m_new
    # acc already holds the weighted sum of the values
    return acc, m + torch.log(l)
