import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2:
        raise ValueError("odd d_model")
    positions = torch.arange(1, seq_len + 1, dtype=torch.float64).unsqueeze(-1)  # 1, 2, ..., seq_len
    inv_freq = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angles = positions * inv_freq
    table = torch.empty(seq_len, d_model, dtype=torch.float64)
    table[:, ::2] = angles.sin()
    table[:, 1::2] = angles.cos()
    return table.to(dtype)
