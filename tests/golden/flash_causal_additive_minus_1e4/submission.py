import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be >= 1")
    n_q, n_k = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1], float("-inf"), dtype=q.dtype, device=q.device)
    l = torch.zeros(q.shape[:-1], dtype=q.dtype, device=q.device)
    acc = torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype, device=q.device)
    rows = torch.arange(n_q, device=q.device)[:, None]
    for j0 in range(0, n_k, block_size):
        kb, vb = k[..., j0:j0 + block_size, :], v[..., j0:j0 + block_size, :]
        s = (q @ kb.transpose(-1, -2)) * scale
        if causal:
            cols = torch.arange(j0, j0 + kb.shape[-2], device=q.device)[None, :]
            s = s + (cols > rows).to(s.dtype) * -10000.0  # causal bias, -1e4 on the future
        m_new = torch.maximum(m, s.max(dim=-1).values)
        p = torch.exp(s - m_new[..., None])
        corr = torch.exp(m - m_new)
        l = l * corr + p.sum(-1)
        acc = acc * corr[..., None] + p @ vb
        m = m_new
    return acc / l[..., None], m + torch.log(l)
