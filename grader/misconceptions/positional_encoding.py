"""Misconception references for positional_encoding (problem 7)."""

import torch

SYMBOL = "sinusoidal_positional_encoding"


def _variant(*, layout="interleaved", exponent="pair", first_position=0):
    """A sinusoidal table that makes the mistakes switched on by the keywords.

    Args:
        layout: "interleaved" (correct: sin in column 2i, cos in 2i+1) or "halves"
            (all sines, then all cosines).
        exponent: the exponent of base for pair i: "pair" is 2i/d (correct),
            "pair_index" is i/d, "column" is j/d for column j (sin and cos of one
            pair then get different frequencies).
        first_position: 0 (correct) or 1.
    """

    def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
        if d_model % 2 != 0:
            raise ValueError(f"d_model must be even, got {d_model}")
        position = torch.arange(first_position, first_position + seq_len,
                                dtype=torch.float64).unsqueeze(1)  # (L, 1)
        pair = torch.arange(d_model // 2, dtype=torch.float64)  # i = 0 … d/2 - 1
        if exponent == "pair":
            sin_exp = cos_exp = 2 * pair / d_model
        elif exponent == "pair_index":
            sin_exp = cos_exp = pair / d_model
        else:  # "column"
            sin_exp, cos_exp = 2 * pair / d_model, (2 * pair + 1) / d_model
        sines = torch.sin(position / base ** sin_exp)  # (L, d/2)
        cosines = torch.cos(position / base ** cos_exp)  # (L, d/2)
        if layout == "halves":
            table = torch.cat([sines, cosines], dim=-1)
        else:
            table = torch.stack([sines, cosines], dim=-1).reshape(seq_len, d_model)
        return table.to(dtype)

    return {SYMBOL: sinusoidal_positional_encoding}


VARIANTS = {
    "pe.halves_not_interleaved": [_variant(layout="halves")],
    "pe.exponent_i_over_d": [_variant(exponent="pair_index"), _variant(exponent="column")],
    "pe.positions_from_one": [_variant(first_position=1)],
}
