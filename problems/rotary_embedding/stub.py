"""Rotary position embedding: fill in the function below."""

import math

import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    """Rotate each pair of features (2i, 2i+1) of x by the angle positions * theta_i.

    theta_i = base ** (-2i / D) for the pairs i = 0 … D/2 - 1; the vector of
    token t is rotated pair by pair by the angles positions[t] * theta_i.

    Args:
        x: (*B, L, D), float32 or float64; *B is zero or more batch dimensions
            and D must be even.
        positions: int64 tensor of shape (L,), the position of each of the L
            tokens; any non-negative values (not necessarily 0 … L-1).
        base: the base of the frequencies theta_i.

    Returns:
        A tensor of the shape and dtype of x with every pair rotated.

    Raises:
        ValueError: if D is odd.
    """
    raise NotImplementedError("implement apply_rotary_embedding")
