"""Input builders shared by the hidden cases (trusted side only).

Random inputs are small unit-scale floats so that the softmax does not saturate:
a wrong scaling factor must change the answer, not vanish in a one-hot softmax.
"""

from __future__ import annotations

import torch


def randn(rng: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32,
          scale: float = 1.0) -> torch.Tensor:
    return (torch.randn(*shape, generator=rng, dtype=torch.float64) * scale).to(dtype)


def randint_float(rng: torch.Generator, low: int, high: int, *shape: int,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Integer-valued floats: products and sums of them are exact in floating point."""
    return torch.randint(low, high, shape, generator=rng).to(dtype)


def causal_mask(lq: int, lk: int | None = None) -> torch.Tensor:
    """(Lq, Lk) bool, True where key j <= query i."""
    lk = lq if lk is None else lk
    return torch.ones(lq, lk, dtype=torch.bool).tril()


def random_mask(rng: torch.Generator, *shape: int, p_keep: float = 0.6) -> torch.Tensor:
    """Bool mask of ``shape`` (..., Lq, Lk) with at least one True in every row."""
    mask = torch.rand(*shape, generator=rng) < p_keep
    first = torch.randint(0, shape[-1], shape[:-1], generator=rng)
    mask.scatter_(-1, first.unsqueeze(-1), True)
    return mask


def one_key_mask(rng: torch.Generator, lq: int, lk: int) -> torch.Tensor:
    """(Lq, Lk) mask that allows exactly one key per query."""
    keys = torch.randint(0, lk, (lq,), generator=rng)
    return torch.nn.functional.one_hot(keys, lk).bool()
