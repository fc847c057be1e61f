"""Sinusoidal positional encoding — Ana García."""

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2:
        raise ValueError("d_model must be even")
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    freq = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angle = pos * freq
    pe = torch.stack([angle.sin(), angle.cos()], dim=-1)  # (L, d/2, 2): sin, cos pairs
    return pe.flatten(1).to(dtype)
