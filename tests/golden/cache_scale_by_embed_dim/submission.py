import torch
import torch.nn as nn


class CachedSelfAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.scaling = embed_dim ** 0.5
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x, cache=None):
        B, T, E = x.shape
        H = self.num_heads
        q = self.q_proj(x).reshape(B, T, H, E // H).transpose(1, 2)
        k = self.k_proj(x).reshape(B, T, H, E // H).transpose(1, 2)
        v = self.v_proj(x).reshape(B, T, H, E // H).transpose(1, 2)
        if cache is not None and cache[0].shape[2] > 0:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        L = k.shape[2]
        mask = torch.triu(torch.ones(T, L, dtype=torch.bool, device=x.device), diagonal=L - T + 1)
        scores = torch.matmul(q, k.transpose(-2, -1)) / self.scaling
        scores = scores.masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        out = torch.matmul(weights, v).transpose(1, 2).reshape(B, T, E)
        return self.out_proj(out), (k, v)
