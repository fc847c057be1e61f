"""Reference solution: multi-head attention.

    Q = query Wqᵀ + bq,  K = key Wkᵀ + bk,  V = value Wvᵀ + bv      (B, L, E)
    head h uses features [h·hd, (h+1)·hd) of Q, K and V, hd = E / H
    head_h = softmax(Q_h K_hᵀ / √hd) V_h   (blocked scores set to -inf first)
    output = concat(head_0, …, head_{H-1}) Woᵀ + bo
"""

import math

import torch


class MultiHeadAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        B, Lq, E = query.size()  # batch, query length, embedding dim
        Lk = key.size(1)  # key (and value) length
        H, hd = self.num_heads, self.head_dim

        # Split the features, not the sequence: head h owns features [h*hd, (h+1)*hd).
        q = self.q_proj(query).view(B, Lq, H, hd).transpose(1, 2)  # (B, H, Lq, hd)
        k = self.k_proj(key).view(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)
        v = self.v_proj(value).view(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)

        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)  # (B, H, Lq, Lk)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))  # True = may attend
        weights = torch.softmax(scores, dim=-1)  # (B, H, Lq, Lk), rows sum to 1 over keys

        heads = weights @ v  # (B, H, Lq, hd)
        heads = heads.transpose(1, 2).reshape(B, Lq, E)  # (B, Lq, H*hd): heads side by side
        output = self.out_proj(heads)  # (B, Lq, E)
        return (output, weights) if return_weights else output
