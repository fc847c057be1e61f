"""Gus — multi-head attention, one head at a time."""

import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be a multiple of num_heads")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        Q, K, V = self.q_proj(query), self.k_proj(key), self.v_proj(value)
        B, Lq, _ = Q.shape
        if mask is not None:
            mask = mask.expand(B, self.num_heads, Lq, K.shape[1])
        heads, weights = [], []
        for h in range(self.num_heads):
            part = slice(h * self.head_dim, (h + 1) * self.head_dim)
            s = Q[..., part] @ K[..., part].transpose(1, 2) / math.sqrt(self.head_dim)
            if mask is not None:
                s = s.masked_fill(~mask[:, h], float("-inf"))
            w = torch.softmax(s, dim=-1)
            heads.append(w @ V[..., part])
            weights.append(w)
        out = self.out_proj(torch.cat(heads, dim=-1))
        return (out, torch.stack(weights, dim=1)) if return_weights else out
