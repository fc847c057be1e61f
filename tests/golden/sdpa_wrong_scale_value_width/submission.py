import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    d_model = v.shape[-1]  # model width
    attn_logits = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d_model)
    if mask is not None:
        attn_logits = attn_logits.masked_fill(~mask, -1e9)
    attention = torch.softmax(attn_logits, dim=-1)
    values = torch.matmul(attention, v)
    return values, attention
