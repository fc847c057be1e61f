import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be >= 1")
    L, D = q.shape[-2], q.shape[-1]
    outs = []
    for start in range(0, L, window):
        end = min(start + window, L)
        lo = max(0, start - window + 1)
        hi = end if causal else min(L, end + window - 1)
        s = q[..., start:end, :] @ k[..., lo:hi, :].transpose(-1, -2) / math.sqrt(D)
        i = torch.arange(start, end, device=q.device)[:, None]
        j = torch.arange(lo, hi, device=q.device)[None, :]
        if causal:
            band = (j <= i) & (j > i - window)
        else:
            band = (i - j).abs() < window
        s = s + (~band).to(s.dtype) * -10000.0  # additive band mask, as in BERT-era code
        outs.append(torch.softmax(s, dim=-1) @ v[..., lo:hi, :])
    return torch.cat(outs, dim=-2)
