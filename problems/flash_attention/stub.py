"""Flash attention: fill in the function below."""

import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    """Attention computed over blocks of keys with an online softmax.

    Never build a tensor with Lq·Lk elements (scores, weights or a mask): keep a
    running maximum, a running denominator and a running output per query, and
    rescale them as each block of keys arrives.

    Args:
        q: queries, shape (*B, Lq, D); *B is zero or more batch dimensions.
        k: keys, shape (*B, Lk, D).
        v: values, shape (*B, Lk, Dv).
        causal: if True, query i may attend to key j only when j <= i
            (aligned at the top left, as
            torch.nn.functional.scaled_dot_product_attention(is_causal=True)).
        block_size: the number of keys per block, an int >= 1 (the last block
            may be shorter); raise ValueError otherwise.

    Returns:
        (output, lse): output of shape (*B, Lq, Dv), equal to
        softmax(q kᵀ / sqrt(D)) v, and lse of shape (*B, Lq), the log-sum-exp of
        each query's allowed scaled scores; in the dtype of the inputs.
    """
    raise NotImplementedError("implement flash_attention")
