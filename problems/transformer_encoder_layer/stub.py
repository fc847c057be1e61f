"""Transformer encoder layer: fill in the class below."""

import math

import torch


class TransformerEncoderLayer(torch.nn.Module):
    """One encoder layer: self-attention and a feed-forward network, each with a
    residual connection and a LayerNorm (batch first, no dropout).

    Args:
        d_model: E, the width of every token's vector.
        num_heads: H, the number of attention heads; head_dim = E // H. Raise
            ValueError when E is not divisible by H.
        dim_feedforward: F, the width of the feed-forward network's hidden layer.
        norm_first: False for post-norm, x = norm(x + f(x)); True for pre-norm,
            x = x + f(norm(x)).
        eps: the eps of both LayerNorms.

    Submodules (exactly these names, no other parameters or buffers):
        self_attn: a module with q_proj, k_proj, v_proj, out_proj, each
            torch.nn.Linear(E, E) with bias (multi-head attention as in problem 3).
        linear1: torch.nn.Linear(E, F).
        linear2: torch.nn.Linear(F, E).
        norm1, norm2: torch.nn.LayerNorm(E, eps=eps).
    """

    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        raise NotImplementedError("implement TransformerEncoderLayer.__init__")

    def forward(self, x, mask=None):
        """Run the layer on a batch of sequences.

        Args:
            x: (B, L, E).
            mask: None, or a bool tensor broadcastable to (B, H, L, L), such as a
                padding mask (B, 1, 1, L) or an (L, L) mask; True means "this
                query may attend to this key".

        Returns:
            (B, L, E), in the dtype of x.
        """
        raise NotImplementedError("implement TransformerEncoderLayer.forward")
