"""Ben Okafor: works for (B, L, D) inputs; I did not think about other shapes."""

import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.shape[2])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=2)
    return torch.bmm(weights, v), weights
