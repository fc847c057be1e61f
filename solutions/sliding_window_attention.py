"""Reference solution: sliding-window (local) self-attention.

Query i sees key j when
    causal:      i − window < j <= i       (window keys, itself included)
    not causal:  |i − j| < window          (window − 1 keys on each side, and itself)
and attends to those keys only:
    output_i = softmax_j(q_i · k_j / √D) v_j   over the allowed j
Queries are taken in chunks of `window`; every key a chunk may see lies in a
slab of at most 3·window − 2 keys around it, so each step scores a
(window, slab) block and nothing of size L × L is ever built.
"""

import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    """Return the (*B, L, Dv) output for q, k (*B, L, D) and v (*B, L, Dv)."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    L = q.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1])

    chunks = []
    for start in range(0, L, window):
        end = min(start + window, L)  # queries start .. end-1
        lo = max(0, start - window + 1)  # the first key the first query sees
        hi = end if causal else min(L, end + window - 1)  # one past the last key the last query sees
        s = q[..., start:end, :] @ k[..., lo:hi, :].transpose(-2, -1) * scale  # (*B, C, hi-lo)
        i = torch.arange(start, end, device=q.device).unsqueeze(-1)  # (C, 1) query positions
        j = torch.arange(lo, hi, device=q.device)  # (hi-lo,) key positions
        allowed = (j > i - window) & (j <= i) if causal else (i - j).abs() < window  # (C, hi-lo)
        s = s.masked_fill(~allowed, float("-inf"))  # every row allows j = i, so no row is empty
        chunks.append(torch.softmax(s, dim=-1) @ v[..., lo:hi, :])  # (*B, C, Dv)
    return torch.cat(chunks, dim=-2)  # (*B, L, Dv)
