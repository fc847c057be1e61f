import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("num_heads must divide embed_dim")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        # not part of the state dict; follows .to(dtype) with the module
        self.register_buffer("scale", torch.tensor(self.head_dim ** -0.5), persistent=False)

    def forward(self, query, key, value, mask=None, return_weights=False):
        B, Lq, E = query.shape
        Lk = key.shape[1]
        H, hd = self.num_heads, self.head_dim
        q = self.q_proj(query).reshape(B, Lq, H, hd).transpose(1, 2)  # (B, H, Lq, hd)
        k = self.k_proj(key).reshape(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)
        v = self.v_proj(value).reshape(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)

        scores = (q @ k.transpose(-2, -1)) * self.scale
        if mask is not None:
            bias = torch.zeros(mask.shape, dtype=scores.dtype, device=scores.device)
            scores = scores + bias.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(B, Lq, E)
        out = self.out_proj(out)
        return (out, weights) if return_weights else out
