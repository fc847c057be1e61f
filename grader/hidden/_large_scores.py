"""Inputs whose scaled scores are exact integers of magnitude up to 1e4 (trusted side only).

Scores this large overflow a softmax that does not subtract the maximum, and a
blocked key filled with a finite value such as -1e4 gets weight when its row's
allowed scores are that low. Integer entries keep every product and sum exact in
float32 and float64, so values can be compared, not only checked for finiteness.
"""

from __future__ import annotations

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
