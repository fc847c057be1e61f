import math

import torch
import torch.nn.functional as F


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    B, L, _ = x.shape
    Dk = w_qk.shape[1]
    results = []
    for b in range(B):
        qk = x[b] @ w_qk  # (L, Dk)
        s = qk @ qk.T / math.sqrt(Dk)  # (L, L)
        if mask is not None:
            m = mask if mask.dim() == 2 else mask[b if mask.shape[0] > 1 else 0]
            s = s.masked_fill(~m.expand(L, L), float("-inf"))
        if exclude_self:
            eye = torch.eye(L, dtype=torch.bool, device=x.device)
            s_excl = s.masked_fill(eye, float("-inf"))
            lost_everything = torch.isinf(s_excl).all(dim=-1)  # only itself was allowed
            only_self = s.masked_fill(~eye, float("-inf"))  # keep just the diagonal score
            s = torch.where(lost_everything[:, None], only_self, s_excl)
        results.append(F.softmax(s, dim=-1) @ (x[b] @ w_v))
    return torch.stack(results)
