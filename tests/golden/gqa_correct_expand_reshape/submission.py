import math

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        if num_heads % num_kv_heads != 0:
            raise ValueError("num_heads must be divisible by num_kv_heads")
        self.n_head = num_heads
        self.n_kv = num_kv_heads
        self.hd = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, num_kv_heads * self.hd, bias=bias)
        self.v_proj = nn.Linear(embed_dim, num_kv_heads * self.hd, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _share(self, t):
        # (B, n_kv, T, hd) -> (B, n_head, T, hd) with kv heads 0,0,..,1,1,..
        B, n_kv, T, hd = t.shape
        rep = self.n_head // n_kv
        return t[:, :, None].expand(B, n_kv, rep, T, hd).reshape(B, n_kv * rep, T, hd)

    def forward(self, x, mask=None, causal=False):
        B, T, C = x.shape
        q = self.q_proj(x).view(B, T, self.n_head, self.hd).transpose(1, 2)
        k = self._share(self.k_proj(x).view(B, T, self.n_kv, self.hd).transpose(1, 2))
        v = self._share(self.v_proj(x).view(B, T, self.n_kv, self.hd).transpose(1, 2))

        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        neg_inf = torch.tensor(float("-inf"), dtype=att.dtype, device=att.device)
        if mask is not None:
            att = torch.where(mask, att, neg_inf)
        if causal:
            tri = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
            att = torch.where(tri, att, neg_inf)
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.out_proj(y)
