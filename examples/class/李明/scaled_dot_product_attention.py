# 编程题1：注意力机制（李明）
import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    # 注意力分数
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    # 按文章里的 axis=1 做 softmax
    attn = F.softmax(scores, dim=1)
    return torch.matmul(attn, v), attn
