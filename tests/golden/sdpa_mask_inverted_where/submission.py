import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = torch.where(mask, torch.full_like(scores, -1e9), scores)
    p_attn = scores.softmax(-1)
    return torch.matmul(p_attn, v), p_attn
