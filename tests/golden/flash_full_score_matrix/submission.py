import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    # the blocks give the same answer as the plain formula, so compute it directly
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if causal:
        n_q, n_k = scores.shape[-2:]
        future = torch.ones(n_q, n_k, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v, torch.logsumexp(scores, dim=-1)
