import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window should be >= 1")
    L = q.shape[-2]
    res = []
    for s0 in range(0, L, window):
        s1 = min(s0 + window, L)
        a = max(0, s0 - window + 1)
        b = s1 if causal else min(L, s1 + window - 1)
        att = q[..., s0:s1, :] @ k[..., a:b, :].transpose(-1, -2)
        qi = torch.arange(s0, s1).unsqueeze(-1)
        kj = torch.arange(a, b)
        allowed = (kj > qi - window) & (kj <= qi) if causal else (qi - kj).abs() < window
        att = att.masked_fill(~allowed, float("-inf")).softmax(dim=-1)
        res.append(att @ v[..., a:b, :])
    return torch.cat(res, dim=-2)
