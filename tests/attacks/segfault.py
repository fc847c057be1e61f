"""Dereferences a null pointer through ctypes: a crash of that test only."""
import ctypes


def scaled_dot_product_attention(q, k, v, mask=None):
    if mask is not None:
        ctypes.string_at(0)
    import math
    import torch
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    return weights @ v, weights
