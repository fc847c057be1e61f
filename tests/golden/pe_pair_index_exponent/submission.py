import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model must be even")
    pe = torch.zeros(seq_len, d_model, dtype=torch.float64)
    pos = torch.arange(seq_len, dtype=torch.float64).unsqueeze(1)
    for i in range(d_model // 2):
        freq = 1.0 / base ** (i / d_model)
        pe[:, 2 * i] = torch.sin(pos[:, 0] * freq)
        pe[:, 2 * i + 1] = torch.cos(pos[:, 0] * freq)
    return pe.to(dtype)
