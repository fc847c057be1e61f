"""Ivan Petrov — first sketch, not yet split into problem files."""

import torch


def attention(q, k, v):
    weights = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, dim=-1)
    return weights @ v
