import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = x @ w_qk
    v = x @ w_v
    scores = qk @ qk.transpose(1, 2) / math.sqrt(qk.size(-1))
    if mask is not None:
        allowed = mask
        if exclude_self:
            L = x.size(1)
            eye = torch.eye(L, dtype=torch.bool, device=x.device)
            others = allowed & ~eye
            allowed = torch.where(others.any(dim=-1, keepdim=True), others, eye)
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
