import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    # the keys are shared with the input, so only the queries need a projection
    q = x @ w_qk
    k = x
    v = x @ w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    L = x.shape[1]
    allowed = torch.ones(L, L, dtype=torch.bool, device=x.device) if mask is None else mask
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        others = allowed & ~eye
        allowed = torch.where(others.any(-1, keepdim=True), others, eye)
    scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
