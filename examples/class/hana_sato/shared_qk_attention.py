"""Hana Sato — shared-QK attention (Reformer style)."""

import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = x @ w_qk  # (B, L, Dk): queries and keys at once
    scores = qk @ qk.transpose(-2, -1) / math.sqrt(qk.shape[-1])
    L = x.shape[1]
    allowed = torch.ones(L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        allowed = allowed & mask
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        others = allowed & ~eye
        allowed = torch.where(others.any(dim=-1, keepdim=True), others, eye)
    weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
    return weights @ (x @ w_v)
