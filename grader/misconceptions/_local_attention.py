"""A banded attention core that can make each catalogued sliding-window mistake.

:func:`band_attention` lets query i see the keys ``i - before <= j <= i + after``
and streams over chunks of queries, so the misconception references of
``sliding_window_attention`` use as little memory as a right solution and only
``swa.materialises_scores`` (:func:`dense_band_attention`) trips the memory test.
"""

from __future__ import annotations

import math

import torch

NEG_INF = float("-inf")


def _band(i: torch.Tensor, j: torch.Tensor, before: int, after: int) -> torch.Tensor:
    """True where key j lies in ``[i - before, i + after]`` (broadcasting i against j)."""
    return (j >= i - before) & (j <= i + after)


def band_attention(q, k, v, *, before: int, after: int, scale: float | None = None,
                   chunk: int = 128):
    """Attention of each query i over keys ``i - before .. i + after``, chunk by chunk.

    Args:
        before, after: how many keys before and after the query it may see.
        scale: the divisor of the scores; None means √D (right), 1.0 means none.
        chunk: queries per step (any value gives the same result).
    """
    L = q.shape[-2]
    divisor = math.sqrt(q.shape[-1]) if scale is None else scale
    outputs = []
    for start in range(0, L, chunk):
        end = min(start + chunk, L)
        lo, hi = max(0, start - before), min(L, end + after)
        s = q[..., start:end, :] @ k[..., lo:hi, :].transpose(-2, -1) / divisor  # (*B, C, hi-lo)
        i = torch.arange(start, end, device=q.device).unsqueeze(-1)  # (C, 1)
        j = torch.arange(lo, hi, device=q.device)  # (hi-lo,)
        s = s.masked_fill(~_band(i, j, before, after), NEG_INF)
        outputs.append(torch.softmax(s, dim=-1) @ v[..., lo:hi, :])  # (*B, C, Dv)
    return torch.cat(outputs, dim=-2)  # (*B, L, Dv)


def dense_band_attention(q, k, v, *, before: int, after: int):
    """The same values through the full (L, L) score matrix and an (L, L) band mask."""
    L = q.shape[-2]
    scores = (q / math.sqrt(q.shape[-1])) @ k.transpose(-2, -1)  # (*B, L, L)
    outside = torch.ones(L, L, dtype=torch.bool, device=q.device).tril(after).triu(-before)
    # In place, to keep this reference's own cost down (it runs whenever a memory
    # test fails): the product does not need its output for the backward pass.
    scores.masked_fill_(outside.logical_not_(), NEG_INF)
    return torch.softmax(scores, dim=-1) @ v
