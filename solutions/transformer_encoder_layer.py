"""Reference solution: one Transformer encoder layer (batch first, no dropout).

    SA(x) = multi-head self-attention of x (problem 3; mask True = may attend)
    FF(x) = linear2(relu(linear1(x)))
    LN(y) = (y - mean(y)) / sqrt(var(y) + eps) * weight + bias      (over the features)

    post-norm (norm_first=False):  x = norm1(x + SA(x));   x = norm2(x + FF(x))
    pre-norm  (norm_first=True):   x = x + SA(norm1(x));   x = x + FF(norm2(x))

Each sub-layer's input is added back to its output (the residual connection);
the two norm orders only differ in whether the sum or the sub-layer's input is
normalised.
"""

import math

import torch


class MultiHeadAttention(torch.nn.Module):
    """Multi-head attention as in problem 3: head h owns features [h*hd, (h+1)*hd)."""

    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.q_proj = torch.nn.Linear(d_model, d_model)
        self.k_proj = torch.nn.Linear(d_model, d_model)
        self.v_proj = torch.nn.Linear(d_model, d_model)
        self.out_proj = torch.nn.Linear(d_model, d_model)

    def forward(self, query, key, value, mask=None):
        B, Lq, E = query.size()  # batch, query length, model dim
        Lk = key.size(1)  # key (and value) length
        H, hd = self.num_heads, self.head_dim

        q = self.q_proj(query).view(B, Lq, H, hd).transpose(1, 2)  # (B, H, Lq, hd)
        k = self.k_proj(key).view(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)
        v = self.v_proj(value).view(B, Lk, H, hd).transpose(1, 2)  # (B, H, Lk, hd)

        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)  # (B, H, Lq, Lk)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))  # True = may attend
        weights = torch.softmax(scores, dim=-1)  # (B, H, Lq, Lk)

        heads = (weights @ v).transpose(1, 2).reshape(B, Lq, E)  # (B, Lq, H*hd)
        return self.out_proj(heads)  # (B, Lq, E)


class TransformerEncoderLayer(torch.nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, num_heads)
        self.linear1 = torch.nn.Linear(d_model, dim_feedforward)
        self.linear2 = torch.nn.Linear(dim_feedforward, d_model)
        self.norm1 = torch.nn.LayerNorm(d_model, eps=eps)
        self.norm2 = torch.nn.LayerNorm(d_model, eps=eps)

    def _sa(self, x, mask):
        return self.self_attn(x, x, x, mask)  # (B, L, E)

    def _ff(self, x):
        return self.linear2(torch.relu(self.linear1(x)))  # (B, L, E)

    def forward(self, x, mask=None):
        if self.norm_first:
            x = x + self._sa(self.norm1(x), mask)
            x = x + self._ff(self.norm2(x))
        else:
            x = self.norm1(x + self._sa(x, mask))
            x = self.norm2(x + self._ff(x))
        return x
