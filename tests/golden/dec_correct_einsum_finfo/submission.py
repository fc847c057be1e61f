import math

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, queries, context, allowed=None):
        h = self.num_heads
        q = self.q_proj(queries).unflatten(-1, (h, -1))  # (b, t, h, d)
        k = self.k_proj(context).unflatten(-1, (h, -1))  # (b, s, h, d)
        v = self.v_proj(context).unflatten(-1, (h, -1))
        scores = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(q.shape[-1])
        if allowed is not None:
            scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        weights = scores.softmax(-1)
        return self.out_proj(torch.einsum("bhts,bshd->bthd", weights, v).flatten(-2))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("d_model is not a multiple of num_heads")
        self.norm_first = norm_first
        self.self_attn = Attention(d_model, num_heads)
        self.cross_attn = Attention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)

    def _add(self, x, f, norm):
        return x + f(norm(x)) if self.norm_first else norm(x + f(x))

    def forward(self, x, memory, causal=True, memory_mask=None):
        t = x.shape[1]
        future = torch.triu(torch.ones(t, t, dtype=torch.bool, device=x.device), diagonal=1)
        self_mask = ~future if causal else None
        x = self._add(x, lambda h: self.self_attn(h, h, self_mask), self.norm1)
        x = self._add(x, lambda h: self.cross_attn(h, memory, memory_mask), self.norm2)
        x = self._add(x, lambda h: self.linear2(torch.relu(self.linear1(h))), self.norm3)
        return x
