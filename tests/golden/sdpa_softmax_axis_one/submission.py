import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    # 注意力分数 (batch, len_q, len_k)
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    # 对注意力分数做 softmax 归一化
    attn = F.softmax(scores, dim=1)
    return torch.matmul(attn, v), attn
