# 实现自注意力机制（李明）：注意力 + 残差 + 层归一化
import math

import torch
import torch.nn.functional as F


def self_attention(x, w_q, w_k, w_v, causal=False):
    Q = x @ w_q
    K = x @ w_k
    V = x @ w_v
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if causal:
        L = x.shape[1]
        keep = torch.tril(torch.ones(L, L, dtype=torch.bool, device=x.device))
        scores = scores.masked_fill(~keep, float("-inf"))
    out = F.softmax(scores, dim=-1) @ V
    if out.shape == x.shape:
        out = out + x  # 残差连接
    return F.layer_norm(out, out.shape[-1:])  # 层归一化
