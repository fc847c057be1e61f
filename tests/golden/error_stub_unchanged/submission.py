"""Grouped-query attention: fill in the class below."""

import math

import torch


class GroupedQueryAttention(torch.nn.Module):
    """Self-attention whose key/value heads are shared by groups of query heads.

    Args:
        embed_dim: E, the width of the input and the output.
        num_heads: H, the number of query heads; head_dim = E // H.
        num_kv_heads: Hkv, the number of key/value heads; each serves
            H // Hkv consecutive query heads. Hkv = 1 is multi-query attention,
            Hkv = H ordinary multi-head attention.
        bias: whether the four projections have a bias.

    Raise ValueError when E is not divisible by H or H is not divisible by Hkv.

    Submodules (exactly these names, no other parameters or buffers):
        q_proj: torch.nn.Linear(E, E, bias=bias).
        k_proj, v_proj: torch.nn.Linear(E, Hkv * head_dim, bias=bias).
        out_proj: torch.nn.Linear(E, E, bias=bias).
    """

    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        raise NotImplementedError("implement GroupedQueryAttention.__init__")

    def forward(self, x, mask=None, causal=False):
        """Self-attention over x; query head h reads key/value head h // (H // Hkv).

        Args:
            x: (B, L, E).
            mask: None, or a bool tensor broadcastable to (B, H, L, L), such as
                (L, L) or (B, 1, L, L); True means "this query may attend to
                this key".
            causal: if True, query i may also only attend to keys j <= i
                (combined with mask when both are given).

        Returns:
            (B, L, E), in the dtype of x.
        """
        raise NotImplementedError("implement GroupedQueryAttention.forward")
