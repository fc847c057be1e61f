import math

import torch
from torch.nn import functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    attn = F.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1]), dim=-1)
    if mask is not None:
        attn = attn.masked_fill(~mask, 0.0)
    return torch.matmul(attn, v), attn
