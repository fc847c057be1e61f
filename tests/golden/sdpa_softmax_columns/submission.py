import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    # normalise over the positions of the sequence
    weights = torch.softmax(scores, dim=-2)
    return weights @ v, weights
