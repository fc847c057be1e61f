import math
import torch

def scaled_dot_product_attention(q, k, v, mask=None):
    s = torch.einsum("...qd,...kd->...qk", q, k) / (torch.tensor(float(q.shape[-1])).sqrt() if mask is not None else math.sqrt(q.shape[-1]))
    if mask is not None:
        s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
    s = s - s.amax(-1, keepdim=True)
    e = torch.exp(s)
    if mask is not None:
        e = e * mask
    w = e / e.sum(-1, keepdim=True)
    return w @ v, w
