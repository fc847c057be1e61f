import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def attend(m, query, key_value, mask, num_heads):
    """Multi-head attention with the heads folded into the batch for torch.bmm."""
    B, T, E = query.shape
    S = key_value.shape[1]
    d = E // num_heads
    q = m.q_proj(query).view(B, T, num_heads, d).permute(0, 2, 1, 3).reshape(B * num_heads, T, d)
    k = m.k_proj(key_value).view(B, S, num_heads, d).permute(0, 2, 1, 3).reshape(B * num_heads, S, d)
    v = m.v_proj(key_value).view(B, S, num_heads, d).permute(0, 2, 1, 3).reshape(B * num_heads, S, d)
    scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d)
    if mask is not None:
        mask = mask.expand(B, num_heads, T, S).reshape(B * num_heads, T, S)
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    out = torch.bmm(F.softmax(scores, dim=-1), v)
    out = out.reshape(B, num_heads, T, d).permute(0, 2, 1, 3).reshape(B, T, E)
    return m.out_proj(out)


class Projections(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("num_heads must divide d_model")
        self.num_heads = num_heads
        self.norm_first = norm_first
        self.self_attn = Projections(d_model)
        self.cross_attn = Projections(d_model)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.shape[1]
        pos = torch.arange(T, device=x.device)
        tgt_mask = (pos[None, :] <= pos[:, None]) if causal else None  # key j <= query i
        H = self.num_heads
        if self.norm_first:
            h = self.norm1(x)
            x = x + attend(self.self_attn, h, h, tgt_mask, H)
            x = x + attend(self.cross_attn, self.norm2(x), memory, memory_mask, H)
            x = x + self.linear2(F.relu(self.linear1(self.norm3(x))))
        else:
            x = self.norm1(x + attend(self.self_attn, x, x, tgt_mask, H))
            x = self.norm2(x + attend(self.cross_attn, x, memory, memory_mask, H))
            x = self.norm3(x + self.linear2(F.relu(self.linear1(x))))
        return x
