import math

import torch
import torch.nn as nn


class MHA(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def split(self, t):
        B, L, C = t.shape
        return t.view(B, L, self.n_heads, C // self.n_heads).transpose(1, 2)  # (B, nh, L, hs)

    def forward(self, query, key, value, mask=None):
        B, T, C = query.shape
        q, k, v = self.split(self.q_proj(query)), self.split(self.k_proj(key)), self.split(self.v_proj(value))
        att = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        if mask is not None:
            att = att.masked_fill(~mask, float("-inf"))
        y = torch.softmax(att, dim=-1) @ v
        return self.out_proj(y.transpose(1, 2).reshape(B, T, C))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("num_heads does not divide d_model")
        self.norm_first = norm_first
        self.self_attn = MHA(d_model, num_heads)
        self.cross_attn = MHA(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.size(1)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device)) if causal else None
        if self.norm_first:
            # pre-norm: normalise every input of every sub-layer
            h = self.norm1(x)
            x = x + self.self_attn(h, h, h, mask)
            h, m = self.norm2(x), self.norm2(memory)
            x = x + self.cross_attn(h, m, m, memory_mask)
            x = x + self.linear2(torch.relu(self.linear1(self.norm3(x))))
        else:
            x = self.norm1(x + self.self_attn(x, x, x, mask))
            x = self.norm2(x + self.cross_attn(x, memory, memory, memory_mask))
            x = self.norm3(x + self.linear2(torch.relu(self.linear1(x))))
        return x
