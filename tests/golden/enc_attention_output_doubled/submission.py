import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, q, k, v, mask=None):
        B, L, E = q.shape
        q = self.q_proj(q).view(B, L, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(k).view(B, L, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(v).view(B, L, self.num_heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float("-inf"))
        p_attn = torch.softmax(scores, dim=-1)
        out = torch.matmul(p_attn, v).transpose(1, 2).reshape(B, L, E)
        return self.out_proj(out)


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model must be divisible by num_heads")
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x, mask=None):
        # attention block, written after the article's Transformer class
        if self.norm_first:
            x = self.norm1(x)
            x = self.self_attn(x, x, x, mask)
            x = x + x
        else:
            x = self.self_attn(x, x, x, mask)
            x = x + x
            x = self.norm1(x)
        # feed-forward block
        if self.norm_first:
            x = x + self.linear2(torch.relu(self.linear1(self.norm2(x))))
        else:
            x = self.norm2(x + self.linear2(torch.relu(self.linear1(x))))
        return x
