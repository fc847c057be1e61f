import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHead(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x, mask=None):
        B, L, D = x.shape
        hd = D // self.num_heads
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        if mask is not None:
            mask = mask.expand(B, self.num_heads, L, L)
        heads = []
        for h in range(self.num_heads):
            cols = slice(h * hd, (h + 1) * hd)
            scores = q[..., cols] @ k[..., cols].transpose(1, 2) / math.sqrt(hd)
            if mask is not None:
                scores = scores + torch.zeros_like(scores).masked_fill(~mask[:, h], float("-inf"))
            heads.append(F.softmax(scores, dim=-1) @ v[..., cols])
        return self.out_proj(torch.cat(heads, dim=-1))


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"{d_model} % {num_heads} != 0")
        self.self_attn = MultiHead(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm_first = norm_first

    def forward(self, x, mask=None):
        if self.norm_first:
            a = self.norm1(x)
            x = x + self.self_attn(a, mask)
            f = self.norm2(x)
            x = x + self.linear2(F.relu(self.linear1(f)))
        else:
            x = self.norm1(x + self.self_attn(x, mask))
            x = self.norm2(x + self.linear2(F.relu(self.linear1(x))))
        return x
