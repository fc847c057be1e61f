import math
import torch
import torch.nn as nn

class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError("embed_dim % num_heads")
        self.h = num_heads
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, n, nn.Linear(embed_dim, embed_dim, bias=bias))

    def forward(self, query, key, value, mask=None, return_weights=False):
        B, Lq, E = query.shape
        Lk = key.shape[1]
        d = E // self.h
        q = self.q_proj(query).view(B, Lq, self.h, d).transpose(1, 2)
        k = self.k_proj(key).view(B, Lk, self.h, d).transpose(1, 2)
        v = self.v_proj(value).view(B, Lk, self.h, d).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / (torch.tensor(float(d)).sqrt() if mask is None else math.sqrt(d))
        if mask is not None:
            s = torch.where(mask, s, float("-inf"))
        w = s.softmax(-1)
        o = (w @ v).transpose(1, 2).contiguous().view(B, Lq, E)
        o = self.out_proj(o)
        return (o, w) if return_weights else o
