import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError(f"bad block_size {block_size}")
    d = q.shape[-1]
    n_q, n_k = q.shape[-2], k.shape[-2]
    out = torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype, device=q.device)
    lse = torch.full(q.shape[:-1], float("-inf"), dtype=q.dtype, device=q.device)
    rows = torch.arange(n_q, device=q.device)
    for j0 in range(0, n_k, block_size):
        kb = k[..., j0:j0 + block_size, :]
        vb = v[..., j0:j0 + block_size, :]
        s = (q @ kb.transpose(-1, -2)) / math.sqrt(d)
        if causal:
            cols = torch.arange(j0, j0 + kb.shape[-2], device=q.device)
            s = s.masked_fill(cols[None, :] > rows[:, None], float("-inf"))
        # out is always normalised over the keys seen so far; lse is their log-sum-exp
        new_lse = torch.logaddexp(lse, torch.logsumexp(s, dim=-1))
        out = out * torch.exp(lse - new_lse).unsqueeze(-1) + torch.exp(s - new_lse.unsqueeze(-1)) @ vb
        lse = new_lse
    return out, lse
