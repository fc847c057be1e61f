import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        self.inner = nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True)

    def forward(self, query, key, value, mask=None, return_weights=False):
        attn_mask = None if mask is None else ~mask
        out, weights = self.inner(query, key, value, attn_mask=attn_mask,
                                  average_attn_weights=False)
        return (out, weights) if return_weights else out
