import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be at least 1")
    L, D = q.shape[-2], q.shape[-1]
    outputs = []
    for start in range(0, L, window):
        end = min(start + window, L)
        lo = max(0, start - window)
        hi = end if causal else min(L, end + window)
        s = q[..., start:end, :] @ k[..., lo:hi, :].transpose(-2, -1) / math.sqrt(D)
        i = torch.arange(start, end)[:, None]
        j = torch.arange(lo, hi)[None, :]
        if causal:
            keep = (j >= i - window) & (j <= i)
        else:
            keep = (i - j).abs() <= window
        s = s.masked_fill(~keep, float("-inf"))
        outputs.append(torch.softmax(s, dim=-1) @ v[..., lo:hi, :])
    return torch.cat(outputs, dim=-2)
