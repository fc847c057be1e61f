import math

import torch
from torch import nn


class LayerNorm(nn.Module):
    """My own LayerNorm: same parameter names as torch's, so the weights load."""

    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


class SelfAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.h = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x, mask):
        b, n, e = x.shape
        d = e // self.h
        q = self.q_proj(x).reshape(b, n, self.h, d)
        k = self.k_proj(x).reshape(b, n, self.h, d)
        v = self.v_proj(x).reshape(b, n, self.h, d)
        s = torch.einsum("bihd,bjhd->bhij", q, k) / math.sqrt(d)
        if mask is not None:
            s = s.masked_fill(mask.logical_not(), torch.finfo(s.dtype).min)
        p = s.softmax(dim=-1)
        o = torch.einsum("bhij,bjhd->bihd", p, v).reshape(b, n, e)
        return self.out_proj(o)


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("d_model must be a multiple of num_heads")
        self.norm_first = norm_first
        self.self_attn = SelfAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = LayerNorm(d_model, eps)
        self.norm2 = LayerNorm(d_model, eps)

    def residual(self, x, sublayer, norm):
        if self.norm_first:
            return x + sublayer(norm(x))
        return norm(x + sublayer(x))

    def forward(self, x, mask=None):
        x = self.residual(x, lambda t: self.self_attn(t, mask), self.norm1)
        x = self.residual(x, lambda t: self.linear2(torch.relu(self.linear1(t))), self.norm2)
        return x
