"""Reference solution: shared-QK self-attention (as in the Reformer).

    Q = K = x W_qk,   V = x W_v
    weights = softmax(Q Kᵀ / √Dk)   (blocked scores set to -inf first)
    output  = weights V

A key is allowed for query i when the mask allows it and, with exclude_self,
when it is not i itself; a query left with no allowed key then attends to
itself only.
"""

import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    """Return the (B, L, Dv) output for x (B, L, D), w_qk (D, Dk), w_v (D, Dv)."""
    B, L, D = x.shape  # batch, sequence length, model width
    qk = x @ w_qk  # (B, L, Dk): each token's query is also its key
    v = x @ w_v  # (B, L, Dv)
    scores = qk @ qk.transpose(-2, -1) / math.sqrt(qk.shape[-1])  # (B, L, L)

    allowed = torch.ones(L, L, dtype=torch.bool, device=x.device) if mask is None else mask
    if exclude_self:
        itself = torch.eye(L, dtype=torch.bool, device=x.device)  # (L, L)
        others = allowed & ~itself  # broadcast to the mask's shape
        has_other = others.any(dim=-1, keepdim=True)  # (..., L, 1)
        allowed = torch.where(has_other, others, itself)  # no other key: itself only

    scores = scores.masked_fill(~allowed, float("-inf"))  # True = may attend
    weights = torch.softmax(scores, dim=-1)  # (B, L, L), each row sums to 1 over keys
    return weights @ v  # (B, L, Dv)
