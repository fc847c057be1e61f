import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    # "...qd,...kd->...qk" works for any number of leading batch dims
    scores = torch.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.size(-1))
    if mask is not None:
        # the most negative finite number of the dtype instead of -inf
        very_negative = torch.finfo(scores.dtype).min
        scores = scores.masked_fill(mask.logical_not(), very_negative)
    weights = scores.softmax(dim=-1)
    output = torch.einsum("...qk,...kd->...qd", weights, v)
    return output, weights
