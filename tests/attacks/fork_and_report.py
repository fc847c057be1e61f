"""Forks at import and again in its first call, each copy carrying on as the child would: the right
answers must score the same every time, the copies reporting nothing (they share the result
channel, and a second report of a test once made the whole result malformed)."""
import math
import os

import torch

os.fork()

_calls = [0]


def scaled_dot_product_attention(q, k, v, mask=None):
    _calls[0] += 1
    if _calls[0] == 1:
        os.fork()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
