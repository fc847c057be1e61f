"""Inputs whose scaled scores are exact integers of magnitude up to 1e4 (trusted side only).

Scores this large overflow a softmax that does not subtract the maximum, and a
blocked key filled with a finite value such as -1e4 gets weight when its row's
allowed scores are that low. Integer entries keep every product and sum exact in
float32 and float64, so values can be compared, not only checked for finiteness.

:func:`scores_below_minus_1e4` makes every score, allowed or blocked, -1e4 or below:
that catches a blocked key filled with -1e4, but not one shifted by an added -1e4
(BERT's ``scores + (1 - mask) * -10000.0``), which then sits near -2e4.
:func:`scores_either_side` puts the blocked keys at 0 and above instead, so both
mistakes give them weight; :func:`one_hot_keys` turns such a score matrix into q
and k, and :func:`position_tokens` with :func:`reads_position` into the tokens
and projection weights of a module.
"""

from __future__ import annotations

import math

import torch

from grader.hidden._inputs import randint_float

WIDE = 16  # D = 16: √D = 4 divides exactly


def huge_scores_qk(rng: torch.Generator, *batch: int, lq: int, lk: int,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """q (*batch, lq, 16) and k (*batch, lk, 16) in [-50, 50]: |q·k| / 4 <= 16·2500/4 = 1e4."""
    return (randint_float(rng, -50, 51, *batch, lq, WIDE, dtype=dtype),
            randint_float(rng, -50, 51, *batch, lk, WIDE, dtype=dtype))


def scores_below_minus_1e4(rng: torch.Generator, *batch: int, lq: int, lk: int,
                           dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """q = 100 and k in {-102, -101, -100} with D = 1: every score lies in [-10200, -10000].

    Each row's best allowed score is at most -1e4, so a blocked key filled with
    -1e4 ties with it or beats it.
    """
    q = torch.full((*batch, lq, 1), 100.0, dtype=dtype)
    k = randint_float(rng, -102, -99, *batch, lk, 1, dtype=dtype)
    return q, k


def scores_either_side(rng: torch.Generator, allowed: torch.Tensor,
                       dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Integer scaled scores for a bool ``allowed`` (..., Lq, Lk): -1e4 - {0..3} where a key is
    allowed, {0..3} where it is blocked.

    Every allowed score is -1e4 or just below it and every blocked one 0 or just above, so a
    blocked key filled with -1e4 ties with or beats the allowed ones, and so does one shifted by
    an added -1e4 (BERT's additive mask): only -inf, -1e9 or the dtype's minimum leave it at
    weight 0.
    """
    drop = randint_float(rng, 0, 4, *allowed.shape, dtype=dtype)
    rise = randint_float(rng, 0, 4, *allowed.shape, dtype=dtype)
    return torch.where(allowed, -1e4 - drop, rise)


def one_hot_keys(scores: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """q (..., Lq, width) and k (..., Lk, width) with q @ kᵀ / √width equal to ``scores`` exactly.

    Key j is √width times the j-th unit vector and query i holds row i of the scores, padded
    with zeros (Lk <= width, and width a perfect square so that the scale is exact).
    """
    lk = scores.shape[-1]
    root = math.isqrt(width)
    assert root * root == width and lk <= width, (width, lk)
    q = torch.nn.functional.pad(scores, (0, width - lk))
    k = root * torch.eye(lk, width, dtype=scores.dtype).expand(*scores.shape[:-2], lk, width)
    return q.contiguous(), k.contiguous()


def position_tokens(rng: torch.Generator, batch: int, length: int, width: int,
                    dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """(batch, length, width) tokens: token i holds the i-th unit vector in its first
    ``length`` features and random integers in [-3, 3] in the others.

    A projection built by :func:`reads_position` maps token i to the vector it was given for
    position i exactly, whatever the other features hold (they still reach the values).
    """
    assert length <= width
    rest = randint_float(rng, -3, 4, batch, length, width - length, dtype=dtype)
    return torch.cat([torch.eye(length, dtype=dtype).expand(batch, length, length), rest], dim=-1)


def reads_position(vectors: torch.Tensor, width: int) -> torch.Tensor:
    """Linear weight (out, width) mapping a :func:`position_tokens` token i to ``vectors[i]``.

    ``vectors`` is (L, out); column i of the weight is ``vectors[i]`` for i < L, 0 beyond.
    """
    return torch.nn.functional.pad(vectors.T, (0, width - vectors.shape[0])).contiguous()
