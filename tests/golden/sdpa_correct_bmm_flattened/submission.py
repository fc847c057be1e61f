import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    *batch, Lq, Dk = q.shape
    Lk, Dv = k.shape[-2], v.shape[-1]
    # bmm wants exactly one batch dimension
    q3 = q.reshape(-1, Lq, Dk)
    k3 = k.reshape(-1, Lk, Dk)
    v3 = v.reshape(-1, Lk, Dv)

    scores = torch.bmm(q3, k3.permute(0, 2, 1)) / math.sqrt(Dk)  # (N, Lq, Lk)
    if mask is not None:
        keep = mask.expand(*batch, Lq, Lk).reshape(-1, Lq, Lk)
        scores = scores.masked_fill(~keep, float("-inf"))
    p = F.softmax(scores, dim=-1)
    out = torch.bmm(p, v3)

    return out.reshape(*batch, Lq, Dv), p.reshape(*batch, Lq, Lk)
