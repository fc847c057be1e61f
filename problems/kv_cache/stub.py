"""Causal self-attention with a key/value cache: fill in the class below."""

import math

import torch


class CachedSelfAttention(torch.nn.Module):
    """Causal multi-head self-attention that caches the keys and values it has seen.

    Args:
        embed_dim: E, the width of the tokens and of the output.
        num_heads: H, the number of heads; head_dim = E // H. Raise ValueError
            when E is not divisible by H.

    Submodules (exactly these names, no other parameters or buffers):
        q_proj, k_proj, v_proj, out_proj: torch.nn.Linear(E, E) with bias.
    """

    def __init__(self, embed_dim, num_heads):
        super().__init__()
        raise NotImplementedError("implement CachedSelfAttention.__init__")

    def forward(self, x, cache=None):
        """Attend from the new tokens to every cached token and to the new tokens so far.

        Args:
            x: (B, T_new, E), the new tokens only.
            cache: None, or a tuple (k, v) (a list [k, v] is accepted too), each of
                shape (B, H, T_past, head_dim): the projected keys and values of
                every earlier token, head h holding features [h*head_dim,
                (h+1)*head_dim). T_past = 0 means the same as None. Never
                modified in place.

        Returns:
            (output, (k, v)): output of shape (B, T_new, E); k and v of shape
            (B, H, T_past + T_new, head_dim), the old cache followed by the new
            tokens' keys and values. New token t is at position T_past + t and
            attends to every cached token and to new tokens 0 … t.
        """
        raise NotImplementedError("implement CachedSelfAttention.forward")
