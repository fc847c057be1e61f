"""Misconception references for rotary_embedding (problem 10).

One configurable function makes every catalogued mistake; each keyword switches
one of them on, and with every keyword at its default it is the correct rotation.
"""

import torch

SYMBOL = "apply_rotary_embedding"


def _variant(*, layout="adjacent", exponent="2i/D", direction=1, own_positions=True):
    """A rotary embedding that makes the mistakes switched on by the keywords.

    Args:
        layout: "adjacent" (correct: pairs (2i, 2i+1)) or "half" (pairs (i, i + D/2),
            the rotate_half layout).
        exponent: "2i/D" (correct) or "i/D" for theta_i = base^(-exponent).
        direction: 1 (correct) or -1 (every pair rotated by -a).
        own_positions: False rotates token t by t (0 … L-1) instead of positions[t].
    """

    def apply_rotary_embedding(x, positions, base=10000.0):
        D, L = x.shape[-1], x.shape[-2]
        if D % 2 != 0:
            raise ValueError(f"D must be even, got {D}")
        i = torch.arange(D // 2, dtype=torch.float64)
        theta = base ** (-(2 * i if exponent == "2i/D" else i) / D)  # (D/2,)
        where = positions if own_positions else torch.arange(L)
        angle = direction * where.to(torch.float64).unsqueeze(-1) * theta  # (L, D/2)
        cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
        if layout == "adjacent":
            first, second = x[..., 0::2], x[..., 1::2]  # (*B, L, D/2)
        else:
            first, second = x[..., : D // 2], x[..., D // 2:]  # (*B, L, D/2)
        turned = (first * cos - second * sin, first * sin + second * cos)
        if layout == "adjacent":
            return torch.stack(turned, dim=-1).flatten(-2)  # (*B, L, D)
        return torch.cat(turned, dim=-1)  # (*B, L, D)

    return {SYMBOL: apply_rotary_embedding}


VARIANTS = {
    "rope.half_split": [_variant(layout="half")],
    "rope.exponent_i_over_d": [_variant(exponent="i/D")],
    "rope.rotation_reversed": [_variant(direction=-1)],
    "rope.positions_ignored": [_variant(own_positions=False)],
}
