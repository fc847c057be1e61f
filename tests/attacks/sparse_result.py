"""Returns its output as a sparse tensor on batched inputs (right values, another layout) and
answers correctly otherwise: the child must still be able to send every result."""
import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    output = weights @ v
    return (output.to_sparse(), weights) if q.dim() == 3 else (output, weights)
