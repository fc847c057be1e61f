"""Farah Haddad — positional encoding with plain loops."""

import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model must be even")
    table = [[0.0] * d_model for _ in range(seq_len)]
    for p in range(seq_len):
        for i in range(d_model // 2):
            angle = p / base ** (2 * i / d_model)
            table[p][2 * i] = math.sin(angle)
            table[p][2 * i + 1] = math.cos(angle)
    return torch.tensor(table, dtype=dtype)
