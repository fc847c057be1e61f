import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model must be even")
    position = torch.arange(seq_len).float().unsqueeze(1)
    inv_freq = 1.0 / torch.pow(base, torch.arange(0, d_model, 2).float() / d_model)
    angles = position * inv_freq
    pe = torch.stack([angles.sin(), angles.cos()], dim=2).view(seq_len, d_model)
    return pe.to(dtype)
