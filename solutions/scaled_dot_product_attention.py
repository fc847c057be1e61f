"""Reference solution: scaled dot-product attention.

    weights = softmax(q kᵀ / √Dk)   (blocked scores set to -inf first)
    output  = weights v
"""

import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    """Return (output, weights) for q (*B, Lq, Dk), k (*B, Lk, Dk), v (*B, Lk, Dv)."""
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (*B, Lq, Lk)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # True = may attend
    weights = torch.softmax(scores, dim=-1)  # each query's weights sum to 1 over keys
    output = weights @ v  # (*B, Lq, Dv)
    return output, weights
