import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = torch.einsum("bld,dk->blk", x, w_qk)  # queries and keys are the same vectors
    v = torch.einsum("bld,dv->blv", x, w_v)
    scores = torch.einsum("bik,bjk->bij", qk, qk) / math.sqrt(qk.shape[-1])

    L = x.shape[1]
    allowed = torch.ones(L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        allowed = allowed & mask  # broadcasts to the mask's shape
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        allowed = allowed & ~eye
        nothing_left = ~allowed.any(dim=-1, keepdim=True)
        allowed = allowed | (eye & nothing_left)

    scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.einsum("bij,bjv->biv", torch.softmax(scores, dim=-1), v)
