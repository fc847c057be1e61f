"""Reference solution: single-head self-attention.

    Q = x W_Q,   K = x W_K,   V = x W_V
    out = softmax(Q Kᵀ / √Dk) V

With ``causal=True`` query position i may only attend to key positions j <= i
(the scores with j > i are set to -inf before the softmax).
"""

import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    """Return out (B, L, Dv) for x (B, L, D), w_q and w_k (D, Dk), w_v (D, Dv)."""
    q = x @ w_q  # (B, L, Dk)
    k = x @ w_k  # (B, L, Dk)
    v = x @ w_v  # (B, L, Dv)
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (B, L, L): row i = query i
    if causal:
        seq_len = x.shape[-2]
        allowed = torch.ones(seq_len, seq_len, dtype=torch.bool, device=x.device).tril()  # j <= i
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (B, L, L), each row sums to 1 over the keys
    return weights @ v  # (B, L, Dv)
