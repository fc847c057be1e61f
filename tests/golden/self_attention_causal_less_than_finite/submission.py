import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    Q = torch.matmul(x, w_q)
    K = torch.matmul(x, w_k)
    V = torch.matmul(x, w_v)
    scores = torch.matmul(Q, K.transpose(1, 2)) / math.sqrt(Q.size(-1))
    if causal:
        idx = torch.arange(x.size(1), device=x.device)
        visible = idx.unsqueeze(0) < idx.unsqueeze(1)  # key j before query i
        scores = scores.masked_fill(~visible, -1e9)
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, V)
