import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model must be even")
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    i = torch.arange(0, d_model, 2, dtype=torch.float64)[None, :]
    angle = pos / base ** (i / d_model)
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).to(dtype)
