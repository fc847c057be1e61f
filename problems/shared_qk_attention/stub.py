"""Shared-QK attention: fill in the function below."""

import math

import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    """Self-attention whose queries and keys share one projection.

    Args:
        x: the token vectors, shape (B, L, D).
        w_qk: the one projection for queries and keys, shape (D, Dk):
            Q = K = x @ w_qk.
        w_v: the value projection, shape (D, Dv): V = x @ w_v.
        mask: None, or a bool tensor broadcastable to (B, L, L);
            True means "this query may attend to this key".
        exclude_self: if True, a position may not attend to itself, unless
            no other key is allowed for it (then it attends to itself only).

    Returns:
        The output softmax(Q Kᵀ / sqrt(Dk)) V, shape (B, L, Dv), in the dtype
        of the inputs.
    """
    raise NotImplementedError("implement shared_qk_attention")
