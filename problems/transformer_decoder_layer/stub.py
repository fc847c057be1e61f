"""Transformer decoder layer: fill in the class below."""

import math

import torch


class TransformerDecoderLayer(torch.nn.Module):
    """One decoder layer: causal self-attention, cross-attention to the encoder's
    output and a feed-forward network, each with a residual connection and a
    LayerNorm (batch first, no dropout).

    Args:
        d_model: E, the width of every token's vector (target and memory alike).
        num_heads: H, the number of heads of both attentions; head_dim = E // H.
            Raise ValueError when E is not divisible by H.
        dim_feedforward: F, the width of the feed-forward network's hidden layer.
        norm_first: False for post-norm, x = norm(x + f(x)); True for pre-norm,
            x = x + f(norm(x)).
        eps: the eps of the three LayerNorms.

    Submodules (exactly these names, no other parameters or buffers):
        self_attn, cross_attn: modules with q_proj, k_proj, v_proj, out_proj,
            each torch.nn.Linear(E, E) with bias (multi-head attention as in
            problem 3).
        linear1: torch.nn.Linear(E, F).
        linear2: torch.nn.Linear(F, E).
        norm1, norm2, norm3: torch.nn.LayerNorm(E, eps=eps).
    """

    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        raise NotImplementedError("implement TransformerDecoderLayer.__init__")

    def forward(self, x, memory, causal=True, memory_mask=None):
        """Run the layer on the target so far, reading the encoder's output.

        Args:
            x: (B, T, E), the target sequence so far.
            memory: (B, S, E), the encoder's output for the source sequence.
            causal: if True, target token i attends only to target tokens j <= i
                in self-attention.
            memory_mask: None, or a bool tensor broadcastable to (B, H, T, S),
                such as a padding mask (B, 1, 1, S); True means "this target token
                may attend to this memory token" in cross-attention.

        Returns:
            (B, T, E), in the dtype of x.
        """
        raise NotImplementedError("implement TransformerDecoderLayer.forward")
