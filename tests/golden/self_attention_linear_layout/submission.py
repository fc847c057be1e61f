import math

import torch
import torch.nn.functional as F


def self_attention(x, w_q, w_k, w_v, causal=False):
    # project like nn.Linear does
    q = F.linear(x, w_q)
    k = F.linear(x, w_k)
    v = F.linear(x, w_v)
    scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.shape[-1])
    if causal:
        n = x.shape[1]
        keep = torch.ones(n, n, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    return torch.bmm(F.softmax(scores, dim=-1), v)
