"""Sliding-window attention: fill in the function below."""

import math

import torch


def sliding_window_attention(q, k, v, window, causal=True):
    """Self-attention in which each query sees only the keys within `window` of it.

    Never build an (L, L) tensor (scores, weights or a mask) and never gather
    every window at once: memory must grow like L·(window + D), not L².

    Args:
        q: queries, shape (*B, L, D); *B is zero or more batch dimensions.
        k: keys, shape (*B, L, D).
        v: values, shape (*B, L, Dv).
        window: an int >= 1; raise ValueError otherwise.
        causal: if True, query i sees key j when i - window < j <= i (window
            keys, itself included); if False, when |i - j| < window.

    Returns:
        The output of shape (*B, L, Dv), in the dtype of the inputs.
    """
    raise NotImplementedError("implement sliding_window_attention")
