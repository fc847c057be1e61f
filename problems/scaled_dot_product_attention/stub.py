"""Scaled dot-product attention: fill in the function below."""

import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    """Scaled dot-product attention.

    Args:
        q: queries, shape (*B, Lq, Dk); *B is zero or more batch dimensions.
        k: keys, shape (*B, Lk, Dk).
        v: values, shape (*B, Lk, Dv).
        mask: None, or a bool tensor broadcastable to (*B, Lq, Lk);
            True means "this query may attend to this key".

    Returns:
        (output, weights): output of shape (*B, Lq, Dv) and the attention
        weights of shape (*B, Lq, Lk), in the dtype of the inputs.
    """
    raise NotImplementedError("implement scaled_dot_product_attention")
