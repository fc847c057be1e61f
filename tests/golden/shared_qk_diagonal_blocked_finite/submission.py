import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    h = torch.matmul(x, w_qk)
    scores = torch.matmul(h, h.transpose(-1, -2)) / math.sqrt(h.shape[-1])
    L = x.shape[-2]
    keep = torch.ones(L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        keep = keep & mask
    if exclude_self:
        keep = keep & ~torch.eye(L, dtype=torch.bool, device=x.device)
    scores = scores.masked_fill(~keep, -1e9)
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, torch.matmul(x, w_v))
