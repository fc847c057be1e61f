import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    batch, seq_len, d_model = x.shape
    Q = x @ w_q
    K = x @ w_k
    V = x @ w_v
    scores = Q @ K.transpose(-2, -1) / math.sqrt(d_model)
    if causal:
        mask = torch.tril(torch.ones(seq_len, seq_len, device=x.device)).bool()
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ V
