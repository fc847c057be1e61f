import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError(f"d_model = {d_model} is odd; sin/cos come in pairs")
    rows = []
    for pos in range(seq_len):
        row = []
        for i in range(d_model // 2):
            angle = pos / (base ** (2 * i / d_model))
            row.append(math.sin(angle))
            row.append(math.cos(angle))
        rows.append(row)
    return torch.tensor(rows, dtype=dtype).reshape(seq_len, d_model)
