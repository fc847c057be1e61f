import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    Q = x @ w_q
    K = x @ w_k
    V = x @ w_v
    weights = Q @ K.transpose(1, 2) / math.sqrt(K.shape[-1])
    if causal:
        L = x.shape[1]
        weights = weights.masked_fill(torch.triu(torch.ones(L, L, dtype=torch.bool), 1),
                                      float("-inf"))
    weights = torch.softmax(weights, dim=-1)
    out = weights @ V
    if out.shape[-1] == x.shape[-1]:
        out = out + x  # skip connection keeps the original token information
    return out
