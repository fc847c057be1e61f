"""Reference solution: grouped-query attention (self-attention).

    Q = x Wqᵀ (H heads of width hd = E / H),  K = x Wkᵀ,  V = x Wvᵀ (Hkv heads each)
    query head h reads key/value head g(h) = h // (H / Hkv)   (consecutive heads share)
    head_h = softmax(Q_h K_g(h)ᵀ / √hd) V_g(h)   (blocked and future scores set to -inf)
    output = concat(head_0, …, head_{H-1}) Woᵀ

Hkv = 1 is multi-query attention; Hkv = H is ordinary multi-head attention.
"""

import math

import torch


class GroupedQueryAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        if num_heads % num_kv_heads != 0:
            raise ValueError(f"num_heads={num_heads} is not divisible by "
                             f"num_kv_heads={num_kv_heads}")
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = embed_dim // num_heads
        kv_dim = num_kv_heads * self.head_dim
        self.q_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = torch.nn.Linear(embed_dim, kv_dim, bias=bias)
        self.v_proj = torch.nn.Linear(embed_dim, kv_dim, bias=bias)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.size()  # batch, sequence length, embedding dim
        H, Hkv, hd = self.num_heads, self.num_kv_heads, self.head_dim
        group = H // Hkv  # query heads per key/value head

        q = self.q_proj(x).view(B, L, H, hd).transpose(1, 2)  # (B, H, L, hd)
        k = self.k_proj(x).view(B, L, Hkv, hd).transpose(1, 2)  # (B, Hkv, L, hd)
        v = self.v_proj(x).view(B, L, Hkv, hd).transpose(1, 2)  # (B, Hkv, L, hd)
        # Each key/value head serves `group` consecutive query heads: 0,0,1,1,… not 0,1,0,1,…
        k = k.repeat_interleave(group, dim=1)  # (B, H, L, hd)
        v = v.repeat_interleave(group, dim=1)  # (B, H, L, hd)

        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)  # (B, H, L, L)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))  # True = may attend
        if causal:
            past = torch.ones(L, L, dtype=torch.bool, device=x.device).tril()  # key j <= query i
            scores = scores.masked_fill(~past, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, H, L, L)

        heads = weights @ v  # (B, H, L, hd)
        heads = heads.transpose(1, 2).reshape(B, L, E)  # (B, L, H*hd)
        return self.out_proj(heads)  # (B, L, E)
