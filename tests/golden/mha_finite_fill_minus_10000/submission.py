import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not a multiple of num_heads {num_heads}")
        self.h = num_heads
        self.d_k = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _split(self, x):
        batch, length, _ = x.size()
        return x.view(batch, length, self.h, self.d_k).transpose(1, 2)

    def forward(self, query, key, value, mask=None, return_weights=False):
        batch, length, embed_dim = query.size()
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        v = self._split(self.v_proj(value))
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -10000.0)
        p_attn = scores.softmax(dim=-1)
        x = torch.matmul(p_attn, v).transpose(1, 2).contiguous().view(batch, length, embed_dim)
        out = self.out_proj(x)
        if return_weights:
            return out, p_attn
        return out
