"""Sinusoidal positional encoding: fill in the function below."""

import math

import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    """The sinusoidal positional encoding table of "Attention Is All You Need".

    Args:
        seq_len: the number of positions, p = 0 … seq_len - 1.
        d_model: the width of the table (the model's embedding width); must be even.
        base: the base of the frequencies (10000 in the paper).
        dtype: the dtype of the returned table (torch.float32 or torch.float64).

    Returns:
        A tensor of shape (seq_len, d_model) with PE[p, 2i] = sin(p / base^(2i/d_model))
        and PE[p, 2i+1] = cos(p / base^(2i/d_model)).

    Raises:
        ValueError: if d_model is odd.
    """
    raise NotImplementedError("implement sinusoidal_positional_encoding")
