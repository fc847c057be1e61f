"""Reference solution: causal multi-head self-attention with a key/value cache.

    q, k, v = x Wqᵀ + bq, x Wkᵀ + bk, x Wvᵀ + bv  of the new tokens   (B, T_new, E)
    head h uses features [h·hd, (h+1)·hd), hd = E / H
    K = [K_cache ; k],  V = [V_cache ; v]   along the time axis     (B, H, T_past + T_new, hd)
    head_h = softmax(q_h K_hᵀ / √hd + causal) V_h
    output = concat(head_0, …, head_{H-1}) Woᵀ + bo

New token t sits at absolute position T_past + t: it may attend to every cached
token and to new tokens 0 … t, so the causal mask of a chunk is shifted by T_past.
The returned cache (K, V) is the old cache followed by the new tokens' keys and
values; feeding a sequence in any split into chunks gives the outputs of one
call on the whole sequence. One new token costs O(T·E + E²) instead of
recomputing the whole prefix.
"""

import math

import torch


class CachedSelfAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.k_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.v_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim)

    def forward(self, x, cache=None):
        B, T, E = x.size()  # batch, new tokens, embedding dim
        H, hd = self.num_heads, self.head_dim

        q = self.q_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        k = self.k_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        v = self.v_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        if cache is not None:
            k_past, v_past = cache  # (B, H, T_past, hd) each; T_past may be 0
            k = torch.cat([k_past, k], dim=2)  # (B, H, T_past + T, hd), a new tensor
            v = torch.cat([v_past, v], dim=2)  # (B, H, T_past + T, hd)
        T_past = k.size(2) - T

        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)  # (B, H, T, T_past + T)
        # Query t is at position T_past + t: keys j <= T_past + t are its past.
        causal = torch.ones(T, T_past + T, dtype=torch.bool, device=x.device).tril(diagonal=T_past)
        scores = scores.masked_fill(~causal, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, H, T, T_past + T)

        heads = weights @ v  # (B, H, T, hd)
        heads = heads.transpose(1, 2).reshape(B, T, E)  # (B, T, H*hd): heads side by side
        return self.out_proj(heads), (k, v)
