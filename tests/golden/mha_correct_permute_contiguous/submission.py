import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be a multiple of num_heads")
        self.h = num_heads
        self.d = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _split(self, t):
        b, n, _ = t.shape
        return t.reshape(b, n, self.h, self.d).permute(0, 2, 1, 3)  # b, h, n, d

    def forward(self, query, key, value, mask=None, return_weights=False):
        b, n_q, e = query.shape
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        v = self._split(self.v_proj(value))

        logits = torch.matmul(q, k.permute(0, 1, 3, 2)) / math.sqrt(self.d)
        if mask is not None:
            logits = torch.where(mask, logits, torch.tensor(float("-inf"), dtype=logits.dtype))
        attn = torch.softmax(logits, dim=-1)

        ctx = torch.matmul(attn, v).permute(0, 2, 1, 3).contiguous().view(b, n_q, e)
        out = self.out_proj(ctx)
        if return_weights:
            return out, attn
        return out
