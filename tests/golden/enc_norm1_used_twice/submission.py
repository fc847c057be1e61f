import math

import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x, mask=None):
        B, L, E = x.shape
        H = self.num_heads
        q = self.q_proj(x).reshape(B, L, H, E // H).transpose(1, 2)
        k = self.k_proj(x).reshape(B, L, H, E // H).transpose(1, 2)
        v = self.v_proj(x).reshape(B, L, H, E // H).transpose(1, 2)
        w = q @ k.transpose(2, 3) / math.sqrt(E // H)
        if mask is not None:
            w = torch.where(mask, w, torch.tensor(float("-inf"), dtype=w.dtype))
        out = torch.softmax(w, dim=3) @ v
        return self.out_proj(out.transpose(1, 2).reshape(B, L, E))


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model % num_heads != 0")
        self.norm_first = norm_first
        self.self_attn = SelfAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)

    def _sa_block(self, x, mask):
        if self.norm_first:
            return x + self.self_attn(self.norm1(x), mask)
        return self.norm1(x + self.self_attn(x, mask))

    def _ff_block(self, x):
        ff = lambda t: self.linear2(torch.relu(self.linear1(t)))
        if self.norm_first:
            return x + ff(self.norm1(x))
        return self.norm1(x + ff(x))

    def forward(self, x, mask=None):
        return self._ff_block(self._sa_block(x, mask))
