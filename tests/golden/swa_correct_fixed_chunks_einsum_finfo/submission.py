import math

import torch

CHUNK = 64


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be >= 1")
    L = q.shape[-2]
    very_negative = torch.finfo(q.dtype).min
    out = []
    for c0 in range(0, L, CHUNK):
        c1 = min(c0 + CHUNK, L)
        k0 = max(0, c0 - (window - 1))
        k1 = c1 if causal else min(L, c1 + (window - 1))
        s = torch.einsum("...id,...jd->...ij", q[..., c0:c1, :], k[..., k0:k1, :])
        s = s / math.sqrt(q.shape[-1])
        i = torch.arange(c0, c1).unsqueeze(1)
        j = torch.arange(k0, k1).unsqueeze(0)
        ok = (i - j < window) & (j - i < (1 if causal else window))
        s = torch.where(ok, s, torch.full_like(s, very_negative))
        s = s - s.max(dim=-1, keepdim=True).values
        e = torch.exp(s)
        p = e / e.sum(dim=-1, keepdim=True)
        out.append(torch.einsum("...ij,...jd->...id", p, v[..., k0:k1, :]))
    return torch.cat(out, dim=-2)
