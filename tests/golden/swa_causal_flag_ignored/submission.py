import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    if window < 1:
        raise ValueError("window must be at least 1")
    L = q.size(-2)
    scale = math.sqrt(q.size(-1))
    chunks = []
    for start in range(0, L, window):
        stop = min(L, start + window)
        first = max(0, start - window + 1)
        last = min(L, stop + window - 1)
        scores = q[..., start:stop, :] @ k[..., first:last, :].transpose(-2, -1) / scale
        dist = torch.arange(start, stop).view(-1, 1) - torch.arange(first, last).view(1, -1)
        scores = scores.masked_fill(dist.abs() >= window, float("-inf"))
        chunks.append(scores.softmax(-1) @ v[..., first:last, :])
    return torch.cat(chunks, -2)
