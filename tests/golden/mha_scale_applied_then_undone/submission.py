import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _shape(self, x):
        B, L, _ = x.shape
        return x.view(B, L, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key, value, mask=None, return_weights=False):
        B, Lq, E = query.shape
        q = self._shape(self.q_proj(query) * self.scaling)
        k = self._shape(self.k_proj(key))
        v = self._shape(self.v_proj(value))

        attn_weights = torch.matmul(q, k.transpose(2, 3))
        attn_weights = attn_weights / self.scaling  # scaled dot product
        if mask is not None:
            attn_weights = attn_weights.masked_fill(~mask, float("-inf"))
        attn_weights = torch.softmax(attn_weights, dim=-1)

        attn_output = torch.matmul(attn_weights, v).transpose(1, 2).reshape(B, Lq, E)
        attn_output = self.out_proj(attn_output)
        if return_weights:
            return attn_output, attn_weights
        return attn_output
