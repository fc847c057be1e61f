import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupedQueryAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads != 0 or num_heads % num_kv_heads != 0:
            raise ValueError("bad head configuration")
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, num_kv_heads * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, num_kv_heads * self.head_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.shape
        d = self.head_dim
        group = self.num_heads // self.num_kv_heads
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)

        blocked = torch.zeros(B, self.num_heads, L, L, dtype=torch.bool, device=x.device)
        if mask is not None:
            blocked = blocked | ~mask
        if causal:
            blocked = blocked | torch.ones(L, L, dtype=torch.bool, device=x.device).triu(1)

        heads = []
        for h in range(self.num_heads):
            g = h // group  # the kv head this query head reads
            qh = q[..., h * d:(h + 1) * d]
            kh = k[..., g * d:(g + 1) * d]
            vh = v[..., g * d:(g + 1) * d]
            s = qh @ kh.transpose(1, 2) / math.sqrt(d)
            s = s.masked_fill(blocked[:, h], float("-inf"))
            heads.append(F.softmax(s, dim=-1) @ vh)
        return self.out_proj(torch.cat(heads, dim=-1))
