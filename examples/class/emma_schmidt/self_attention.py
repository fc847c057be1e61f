"""Emma Schmidt — self-attention, with my quick self-test at the bottom."""

import math
import os

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        L = x.shape[1]
        scores = scores.masked_fill(
            ~torch.ones(L, L, dtype=torch.bool, device=x.device).tril(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


x = torch.randn(2, 5, 8)
w = torch.randn(8, 4)
print("self-test output shape:", tuple(self_attention(x, w, w, w, causal=True).shape))
os._exit(0)  # leave at once, no clean-up needed
