import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        batch_size = query.size(0)
        # 分成多个头 (batch, heads, seq/heads, embed)
        q = self.q_proj(query).view(batch_size, self.num_heads, -1, self.embed_dim)
        k = self.k_proj(key).view(batch_size, self.num_heads, -1, self.embed_dim)
        v = self.v_proj(value).view(batch_size, self.num_heads, -1, self.embed_dim)

        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        attn = torch.softmax(scores, dim=-1)
        out = torch.matmul(attn, v)
        out = out.view(batch_size, -1, self.embed_dim)  # 合并多头
        out = self.out_proj(out)
        if return_weights:
            return out, attn
        return out
