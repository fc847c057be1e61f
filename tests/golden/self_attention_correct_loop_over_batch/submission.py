import math

import torch


def attend_one(seq, w_q, w_k, w_v, causal):
    # seq: (L, D) - a single sequence without the batch dimension
    q, k, v = seq @ w_q, seq @ w_k, seq @ w_v
    s = (q @ k.T) / math.sqrt(k.shape[1])
    if causal:
        n = seq.shape[0]
        s = s + torch.full((n, n), float("-inf"), dtype=s.dtype, device=s.device).triu(1)
    return torch.softmax(s, dim=1) @ v


def self_attention(x, w_q, w_k, w_v, causal=False):
    outputs = []
    for b in range(x.shape[0]):
        outputs.append(attend_one(x[b], w_q, w_k, w_v, causal))
    return torch.stack(outputs, dim=0)
