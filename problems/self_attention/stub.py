"""Self-attention: fill in the function below."""

import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    """Single-head self-attention.

    Args:
        x: the input sequence, shape (B, L, D).
        w_q: query weights, shape (D, Dk); the queries are Q = x @ w_q.
        w_k: key weights, shape (D, Dk); the keys are K = x @ w_k.
        w_v: value weights, shape (D, Dv); the values are V = x @ w_v.
        causal: if True, position i may attend only to positions j <= i.

    Returns:
        softmax(Q Kᵀ / sqrt(Dk)) V, a tensor of shape (B, L, Dv) in the dtype
        of the inputs.
    """
    raise NotImplementedError("implement self_attention")
