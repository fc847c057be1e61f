"""A configurable attention core that can make each catalogued mistake.

Misconception modules of every attention problem build their variants from
:func:`attention` instead of copying attention code: each keyword switches on
one mistake. With every keyword at its default it is correct attention.
"""

from __future__ import annotations

import math

import torch


def stable_softmax(scores: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.softmax(scores, dim=dim)


def naive_softmax(scores: torch.Tensor, dim: int) -> torch.Tensor:
    """exp() without subtracting the maximum: overflows on large scores."""
    e = scores.exp()
    return e / e.sum(dim, keepdim=True)


def attention(q, k, v, mask=None, *, scale: float | None = None, softmax_dim: int = -1,
              mask_mode: str = "before", stable: bool = True,
              masked_value: float = float("-inf")):
    """Return (output, weights).

    Args:
        scale: the divisor of the scores; None means sqrt(Dk) (correct), 1.0 means no scaling.
        softmax_dim: -1 is correct; -2 is the query-axis mistake.
        mask_mode: "before" (correct), "inverted" (True blocks), "after"
            (weights zeroed after the softmax, no renormalisation) or "added"
            (``masked_value`` added to the blocked scores, as BERT adds
            ``(1 - mask) * -10000``).
        stable: False uses exp() without subtracting the row maximum.
        masked_value: what blocked scores are set to (or, with "added", shifted
            by) before the softmax; a finite value such as -1e9 turns a row with
            no allowed key into a uniform row instead of NaN, and one that a
            legal score can reach, such as -1e4, leaves weight on blocked keys.
    """
    divisor = math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-2, -1) / divisor  # (*B, Lq, Lk)
    if mask is not None and mask_mode == "before":
        scores = scores.masked_fill(~mask, masked_value)
    elif mask is not None and mask_mode == "inverted":
        scores = scores.masked_fill(mask, masked_value)
    elif mask is not None and mask_mode == "added":
        scores = scores + (~mask).to(scores.dtype) * masked_value
    softmax = stable_softmax if stable else naive_softmax
    if mask is not None and not stable and mask_mode == "before":
        scores = scores.masked_fill(~mask, -1e30)
    weights = softmax(scores, softmax_dim)
    if mask is not None and mask_mode == "after":
        weights = weights * mask
    return weights @ v, weights
