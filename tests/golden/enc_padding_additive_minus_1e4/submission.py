import math

import torch
import torch.nn as nn


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x, mask=None):
        B, L, E = x.shape
        hd = E // self.num_heads
        q = self.q_proj(x).view(B, L, self.num_heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(B, L, self.num_heads, hd).transpose(1, 2)
        v = self.v_proj(x).view(B, L, self.num_heads, hd).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)
        if mask is not None:
            scores = scores + (1.0 - mask.to(scores.dtype)) * -10000.0  # extended attention mask, as in BERT
        out = torch.softmax(scores, dim=-1) @ v
        return self.out_proj(out.transpose(1, 2).reshape(B, L, E))


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model must be divisible by num_heads")
        self.norm_first = norm_first
        self.self_attn = MultiHeadSelfAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, mask=None):
        if self.norm_first:
            x = x + self.self_attn(self.norm1(x), mask)
            x = x + self.linear2(torch.relu(self.linear1(self.norm2(x))))
        else:
            x = self.norm1(x + self.self_attn(x, mask))
            x = self.norm2(x + self.linear2(torch.relu(self.linear1(x))))
        return x
