import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    """exp(i * p * w) = cos(p w) + i sin(p w): one complex number per sin/cos pair."""
    if d_model % 2:
        raise ValueError("d_model has to be even")
    p = torch.arange(seq_len, dtype=torch.float64)
    w = torch.pow(base, -torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angles = torch.outer(p, w)  # (seq_len, d_model / 2)
    z = torch.polar(torch.ones_like(angles), angles)  # complex128
    pairs = torch.view_as_real(z).flip(-1)  # (..., 2) as (sin, cos)
    return pairs.reshape(seq_len, d_model).to(dtype)
