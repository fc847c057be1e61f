import math

import torch


class GroupedQueryAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads or num_heads % num_kv_heads:
            raise ValueError("need embed_dim % num_heads == 0 and num_heads % num_kv_heads == 0")
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = embed_dim // num_heads
        kv_dim = num_kv_heads * self.head_dim
        self.q_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = torch.nn.Linear(embed_dim, kv_dim, bias=bias)
        self.v_proj = torch.nn.Linear(embed_dim, kv_dim, bias=bias)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.shape
        G = self.num_kv_heads
        R = self.num_heads // G  # query heads per kv head
        d = self.head_dim
        # query head h = g * R + r belongs to kv head g
        q = self.q_proj(x).view(B, L, G, R, d)
        k = self.k_proj(x).view(B, L, G, d)
        v = self.v_proj(x).view(B, L, G, d)

        scores = torch.einsum("bigrd,bjgd->bgrij", q, k) / math.sqrt(d)  # (B, G, R, L, L)
        allowed = torch.ones(L, L, dtype=torch.bool, device=x.device)
        if causal:
            allowed = allowed.tril()
        allowed = allowed.expand(B, self.num_heads, L, L)
        if mask is not None:
            allowed = allowed & mask
        scores = scores.masked_fill(~allowed.reshape(B, G, R, L, L), -1e9)
        weights = torch.softmax(scores, dim=-1)

        out = torch.einsum("bgrij,bjgd->bigrd", weights, v).reshape(B, L, E)
        return self.out_proj(out)
