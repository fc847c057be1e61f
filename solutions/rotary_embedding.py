"""Reference solution: rotary position embedding (RoPE, RoFormer's adjacent pairs).

    θ_i = base^(-2i / D)                       for pairs i = 0 … D/2 - 1
    a   = positions[t] · θ_i                   one angle per (token, pair)
    out[…, t, 2i]     = x[…, t, 2i] cos a - x[…, t, 2i+1] sin a
    out[…, t, 2i + 1] = x[…, t, 2i] sin a + x[…, t, 2i+1] cos a

Each pair of features (2i, 2i+1) is a point of the plane rotated by the angle a,
so its norm is kept, and for a query rotated at position m and a key rotated at
position n the dot product depends on m - n only.

The angles are computed in float64 and their cosines and sines are cast to x's
dtype: a float32 angle p · θ_i has lost digits once p is in the hundreds.
"""

import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    """Rotate every pair (2i, 2i+1) of x (*B, L, D) by positions[t] · θ_i; D must be even."""
    D = x.shape[-1]
    if D % 2 != 0:
        raise ValueError(f"the feature dimension must be even (pairs of features), got {D}")
    i = torch.arange(D // 2, dtype=torch.float64, device=x.device)  # pair index
    theta = base ** (-2 * i / D)  # (D/2,) radians per position
    angle = positions.to(torch.float64).unsqueeze(-1) * theta  # (L, D/2)
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)  # (L, D/2), broadcast over *B

    x_even, x_odd = x[..., 0::2], x[..., 1::2]  # (*B, L, D/2): first and second of each pair
    out_even = x_even * cos - x_odd * sin
    out_odd = x_even * sin + x_odd * cos
    return torch.stack([out_even, out_odd], dim=-1).flatten(-2)  # (*B, L, D/2, 2) -> (*B, L, D)
