import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be at least 1")
    L = q.shape[-2]
    # every allowed (query, key) pair, computed once
    band = torch.ones(L, L, dtype=torch.bool).tril(0 if causal else window - 1).triu(-(window - 1))
    out = []
    for start in range(0, L, window):
        end = min(start + window, L)
        lo = max(0, start - window + 1)
        hi = end if causal else min(L, end + window - 1)
        s = q[..., start:end, :] @ k[..., lo:hi, :].transpose(-2, -1) / math.sqrt(q.shape[-1])
        s = s.masked_fill(~band[start:end, lo:hi], float("-inf"))
        out.append(torch.softmax(s, dim=-1) @ v[..., lo:hi, :])
    return torch.cat(out, dim=-2)
