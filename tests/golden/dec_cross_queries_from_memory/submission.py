import math

import torch
from torch import nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, q, kv, mask=None):
        b, lq, dim = q.shape
        lk = kv.shape[1]
        hd = dim // self.heads
        q = self.q_proj(q).view(b, lq, self.heads, hd).transpose(1, 2)
        k = self.k_proj(kv).view(b, lk, self.heads, hd).transpose(1, 2)
        v = self.v_proj(kv).view(b, lk, self.heads, hd).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / math.sqrt(hd)
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        o = F.softmax(s, dim=-1) @ v
        return self.out_proj(o.transpose(1, 2).reshape(b, lq, dim))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("d_model % num_heads != 0")
        self.norm_first = norm_first
        self.self_attn = Attention(d_model, num_heads)
        self.cross_attn = Attention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.shape[1]
        tri = torch.ones(T, T, dtype=torch.bool, device=x.device).tril() if causal else None
        if self.norm_first:
            h = self.norm1(x)
            x = x + self.self_attn(h, h, tri)
            # the encoder's output asks, the decoder's tokens answer
            x = x + self.cross_attn(memory, self.norm2(x), memory_mask)
            x = x + self.linear2(F.relu(self.linear1(self.norm3(x))))
        else:
            x = self.norm1(x + self.self_attn(x, x, tri))
            x = self.norm2(x + self.cross_attn(memory, x, memory_mask))
            x = self.norm3(x + self.linear2(F.relu(self.linear1(x))))
        return x
