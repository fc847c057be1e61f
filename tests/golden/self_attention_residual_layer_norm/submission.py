import math

import torch
import torch.nn.functional as F


def self_attention(x, w_q, w_k, w_v, causal=False):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        L = x.shape[1]
        scores = scores.masked_fill(
            ~torch.ones(L, L, dtype=torch.bool, device=x.device).tril(), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    # Add & Norm, as in the Transformer
    if out.shape == x.shape:
        out = out + x
    return F.layer_norm(out, out.shape[-1:])
