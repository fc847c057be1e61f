import math

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim % num_heads != 0")
        if num_heads % num_kv_heads != 0:
            raise ValueError("num_heads % num_kv_heads != 0")
        self.h = num_heads
        self.kv = num_kv_heads
        self.d = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, num_kv_heads * self.d, bias=bias)
        self.v_proj = nn.Linear(embed_dim, num_kv_heads * self.d, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.shape
        q = self.q_proj(x).view(B, L, self.h, self.d)
        k = self.k_proj(x).view(B, L, self.kv, self.d)
        v = self.v_proj(x).view(B, L, self.kv, self.d)
        allowed = torch.ones(L, L, dtype=torch.bool, device=x.device)
        if causal:
            allowed = torch.tril(allowed)
        if mask is not None:
            allowed = allowed & mask
        allowed = allowed.expand(B, self.h, L, L)
        outs = []
        for i in range(self.h):
            j = i % self.kv  # share the kv heads round-robin
            s = q[:, :, i] @ k[:, :, j].transpose(1, 2) / math.sqrt(self.d)
            s = s.masked_fill(~allowed[:, i], float("-inf"))
            outs.append(torch.softmax(s, -1) @ v[:, :, j])
        return self.out_proj(torch.cat(outs, dim=-1))
