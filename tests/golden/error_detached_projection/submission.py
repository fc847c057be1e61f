import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    q = (x @ w_q).detach()
    k = (x @ w_k).detach()
    v = x @ w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        L = x.shape[1]
        scores = scores.masked_fill(
            ~torch.ones(L, L, dtype=torch.bool, device=x.device).tril(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
