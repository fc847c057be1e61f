import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = x @ w_qk
    scores = qk @ qk.transpose(-2, -1) / math.sqrt(qk.shape[-1])
    L = x.shape[1]
    if mask is None:
        mask = torch.ones(L, L, dtype=torch.bool, device=x.device)
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        lonely = (mask & ~eye).sum(dim=-1, keepdim=True) == 0
        mask &= ~eye  # drop the diagonal
        mask |= eye & lonely  # ...unless nothing else is left
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ (x @ w_v)
