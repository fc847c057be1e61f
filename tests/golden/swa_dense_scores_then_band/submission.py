import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be at least 1")
    L = q.shape[-2]
    i = torch.arange(L).unsqueeze(-1)
    j = torch.arange(L).unsqueeze(0)
    allowed = (j <= i) & (j > i - window) if causal else (j - i).abs() < window
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # every (query, key) pair
    scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
