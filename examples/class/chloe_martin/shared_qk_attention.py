"""Chloé Martin — shared-QK attention."""

import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = x @ w_qk
    scores = qk @ qk.transpose(-2, -1) / math.sqrt(qk.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    if exclude_self:
        L = x.shape[1]
        scores = scores.masked_fill(torch.eye(L, dtype=torch.bool, device=x.device), float("-inf"))
    return torch.softmax(scores, dim=-1) @ (x @ w_v)
