import numpy as np
import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model must be even")
    table = np.zeros((seq_len, d_model))
    for pos in range(seq_len):
        for j in range(d_model):
            angle = pos / np.power(base, j / d_model)
            table[pos, j] = np.sin(angle) if j % 2 == 0 else np.cos(angle)
    return torch.from_numpy(table).to(dtype)
