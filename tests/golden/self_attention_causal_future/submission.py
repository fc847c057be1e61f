import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    q = x @ w_q
    k = x @ w_k
    v = x @ w_v
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    if causal:
        T = x.size(1)
        blocked = torch.tril(torch.ones(T, T, device=x.device), diagonal=-1) == 1
        att = att.masked_fill(blocked, float("-inf"))
    att = torch.softmax(att, dim=-1)
    return att @ v
