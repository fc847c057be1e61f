import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadAttention(nn.Module):
    """Multi-head attention, one head at a time (easy to follow, not the fastest)."""

    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"{embed_dim} features cannot be split into {num_heads} heads")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        Q = self.q_proj(query)
        K = self.k_proj(key)
        V = self.v_proj(value)
        B, Lq, _ = Q.shape
        Lk = K.shape[1]
        if mask is not None:
            mask = mask.expand(B, self.num_heads, Lq, Lk)

        outputs, all_weights = [], []
        for h in range(self.num_heads):
            cols = slice(h * self.head_dim, (h + 1) * self.head_dim)
            scores = Q[:, :, cols] @ K[:, :, cols].transpose(1, 2) / math.sqrt(self.head_dim)
            if mask is not None:
                scores = scores.masked_fill(~mask[:, h], float("-inf"))
            w = F.softmax(scores, dim=-1)
            outputs.append(w @ V[:, :, cols])
            all_weights.append(w)

        out = self.out_proj(torch.cat(outputs, dim=-1))
        if return_weights:
            return out, torch.stack(all_weights, dim=1)
        return out
