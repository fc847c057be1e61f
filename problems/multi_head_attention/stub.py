"""Multi-head attention: fill in the class below."""

import math

import torch


class MultiHeadAttention(torch.nn.Module):
    """Multi-head attention (batch first, no dropout).

    Args:
        embed_dim: E, the width of queries, keys, values and the output.
        num_heads: H, the number of heads; head_dim = E // H. Raise ValueError
            when E is not divisible by H.
        bias: whether the four projections have a bias.

    Submodules (exactly these names, no other parameters or buffers):
        q_proj, k_proj, v_proj, out_proj: torch.nn.Linear(E, E, bias=bias).
    """

    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        raise NotImplementedError("implement MultiHeadAttention.__init__")

    def forward(self, query, key, value, mask=None, return_weights=False):
        """Attend from every query to the keys, one softmax per head.

        Args:
            query: (B, Lq, E).
            key: (B, Lk, E).
            value: (B, Lk, E).
            mask: None, or a bool tensor broadcastable to (B, H, Lq, Lk), such
                as (Lq, Lk) or (B, 1, Lq, Lk); True means "this query may attend
                to this key".
            return_weights: also return the per-head attention weights.

        Returns:
            output of shape (B, Lq, E), or (output, weights) with weights of
            shape (B, H, Lq, Lk) when return_weights is True; in the dtype of
            the inputs.
        """
        raise NotImplementedError("implement MultiHeadAttention.forward")
