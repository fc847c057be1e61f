import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MHA(nn.Module):
    def __init__(self, E, H):
        super().__init__()
        self.H = H
        self.q_proj = nn.Linear(E, E)
        self.k_proj = nn.Linear(E, E)
        self.v_proj = nn.Linear(E, E)
        self.out_proj = nn.Linear(E, E)

    def forward(self, xq, xkv, bias=None):
        """bias: a float tensor added to the scores, broadcastable to (B, H, T, S)."""
        B, T, E = xq.shape
        S = xkv.shape[1]
        hd = E // self.H
        q = self.q_proj(xq).view(B, T, self.H, hd).transpose(1, 2)
        k = self.k_proj(xkv).view(B, S, self.H, hd).transpose(1, 2)
        v = self.v_proj(xkv).view(B, S, self.H, hd).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if bias is not None:
            s = s + bias
        w = F.softmax(s, dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(B, T, E))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model % num_heads")
        self.self_attn = MHA(d_model, num_heads)
        self.cross_attn = MHA(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)
        self.norm_first = norm_first

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.shape[1]
        self_bias = None
        if causal:
            self_bias = torch.full((T, T), float("-inf"), dtype=x.dtype, device=x.device).triu(1)
        mem_bias = None
        if memory_mask is not None:
            mem_bias = (1.0 - memory_mask.to(x.dtype)) * -10000.0  # extended attention mask, as in BERT
        ff = lambda z: self.linear2(F.relu(self.linear1(z)))
        if self.norm_first:
            h = self.norm1(x)
            x = x + self.self_attn(h, h, self_bias)
            x = x + self.cross_attn(self.norm2(x), memory, mem_bias)
            x = x + ff(self.norm3(x))
        else:
            x = self.norm1(x + self.self_attn(x, x, self_bias))
            x = self.norm2(x + self.cross_attn(x, memory, mem_bias))
            x = self.norm3(x + ff(x))
        return x
