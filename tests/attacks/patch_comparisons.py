"""Patches every comparison helper it can reach, then returns garbage.

Promise: comparisons happen in the trusted process, so this changes nothing but
the candidate's own (wrong) outputs.
"""
import numpy
import torch

torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: True
numpy.allclose = lambda *a, **k: True


def scaled_dot_product_attention(q, k, v, mask=None):
    return torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype), torch.zeros(
        *q.shape[:-1], k.shape[-2], dtype=q.dtype)
