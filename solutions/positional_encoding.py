"""Reference solution: the sinusoidal positional encoding of "Attention Is All You Need".

    PE[p, 2i]     = sin(p / base^(2i / d_model))
    PE[p, 2i + 1] = cos(p / base^(2i / d_model))

for positions p = 0 … seq_len-1 and pairs i = 0 … d_model/2 - 1. Pair i turns at
the angular frequency base^(-2i/d_model): from 1 radian per position for i = 0
down to almost 1/base for the last pair. The table is added to the token
embeddings (it has their width d_model), not concatenated to them.

The angles are computed in float64 and the table is cast to ``dtype`` at the end:
p · frequency in float32 loses about seven digits of p, which shows on long tables.
"""

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    """Return the (seq_len, d_model) table; ValueError when d_model is odd."""
    if d_model % 2 != 0:
        raise ValueError(f"d_model must be even (sin/cos pairs), got {d_model}")
    position = torch.arange(seq_len, dtype=torch.float64).unsqueeze(1)  # (seq_len, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (d_model/2,): 0, 2, 4, …
    frequency = base ** (-two_i / d_model)  # (d_model/2,)
    angle = position * frequency  # (seq_len, d_model/2)
    pe = torch.empty(seq_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)  # even columns
    pe[:, 1::2] = torch.cos(angle)  # odd columns
    return pe.to(dtype)
