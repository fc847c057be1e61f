import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.h = num_heads
        self.d_k = d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        B = query.size(0)
        q = self.q_proj(query).view(B, -1, self.h, self.d_k).transpose(1, 2)
        k = self.k_proj(key).view(B, -1, self.h, self.d_k).transpose(1, 2)
        v = self.v_proj(value).view(B, -1, self.h, self.d_k).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float("-inf"))
        p = torch.softmax(scores, dim=-1)
        x = torch.matmul(p, v).transpose(1, 2).contiguous().view(B, -1, self.h * self.d_k)
        return self.out_proj(x)


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model must be divisible by num_heads")
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, num_heads)
        self.cross_attn = MultiHeadAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.size(1)
        look_back = torch.ones(T, T, dtype=torch.bool, device=x.device).tril() if causal else None
        if self.norm_first:
            h = self.norm1(x)
            x = x + self.self_attn(h, h, h, look_back)
            h = self.norm2(x)
            x = self.cross_attn(h, memory, memory, memory_mask)  # "the context replaces the target"
            x = x + self.linear2(torch.relu(self.linear1(self.norm3(x))))
        else:
            x = self.norm1(x + self.self_attn(x, x, x, look_back))
            x = self.norm2(self.cross_attn(x, memory, memory, memory_mask))
            x = self.norm3(x + self.linear2(torch.relu(self.linear1(x))))
        return x
