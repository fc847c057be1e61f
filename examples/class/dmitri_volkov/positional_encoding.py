"""Dmitri Volkov — positional encoding (I assume d_model is even)."""

import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    pe = torch.zeros(seq_len, d_model, dtype=dtype)
    position = torch.arange(seq_len, dtype=dtype).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2, dtype=dtype) * (-math.log(base) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])
    return pe
