"""An online-softmax attention core that can make each catalogued flash-attention mistake.

The misconception references of ``flash_attention`` are built from
:func:`blockwise_attention` (each keyword switches on one mistake; all defaults
give the right answer) and :func:`dense_attention` (right values through the
full score matrix). Both stream or not exactly as a learner's code would, so
that the memory test measures the variants the way it measures a submission.
"""

from __future__ import annotations

import math

import torch

NEG_INF = float("-inf")


def _causal_block(Lq: int, start: int, end: int, device) -> torch.Tensor:
    """(Lq, end - start) bool, True where key j of the block is hidden from query i (j > i)."""
    query_pos = torch.arange(Lq, device=device).unsqueeze(-1)  # (Lq, 1)
    key_pos = torch.arange(start, end, device=device)  # (bs,)
    return key_pos > query_pos


def blockwise_attention(q, k, v, causal=False, block_size=64, *, rescale_output: bool = True,
                        rescale_denominator: bool = True, per_block_max: bool = False,
                        lse_max: str = "running", final_divide: bool = True):
    """Return (output, lse), visiting the keys in blocks.

    Args:
        rescale_output: False forgets to multiply the running output by
            exp(m_old - m_new) when the maximum grows (``flash.no_rescale``).
        rescale_denominator: False forgets it for the running denominator
            (``flash.denominator_not_rescaled``).
        per_block_max: True exponentiates each block against its own maximum
            and adds the blocks up unchanged (``flash.block_max_only``); the
            row's maximum is still tracked for ``lse``.
        lse_max: what is added to log(l) for ``lse``: "running" (the row's
            maximum, right), "last_block" (the last block's maximum) or "none"
            (``flash.lse_without_max``).
        final_divide: False returns the running output without dividing by
            the denominator (``flash.no_final_divide``).
    """
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    Lq, Lk = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1])
    m = q.new_full(q.shape[:-1], NEG_INF)  # (*B, Lq)
    l = q.new_zeros(q.shape[:-1])  # (*B, Lq)
    acc = q.new_zeros(q.shape[:-1] + v.shape[-1:])  # (*B, Lq, Dv)
    block_max = m
    for start in range(0, Lk, block_size):
        end = min(start + block_size, Lk)
        s = q @ k[..., start:end, :].transpose(-2, -1) * scale  # (*B, Lq, bs)
        if causal:
            s = s.masked_fill(_causal_block(Lq, start, end, q.device), NEG_INF)
        block_max = s.amax(dim=-1)  # (*B, Lq)
        m_new = torch.maximum(m, block_max)
        if per_block_max:
            # A block the query cannot see gives -inf - (-inf) = nan here, as it does
            # in code that makes this mistake.
            p = torch.exp(s - block_max.unsqueeze(-1))
            l = l + p.sum(dim=-1)
            acc = acc + p @ v[..., start:end, :]
        else:
            alpha = torch.exp(m - m_new)
            p = torch.exp(s - m_new.unsqueeze(-1))
            l = (alpha * l if rescale_denominator else l) + p.sum(dim=-1)
            acc = (alpha.unsqueeze(-1) * acc if rescale_output else acc) + p @ v[..., start:end, :]
        m = m_new
    output = acc / l.unsqueeze(-1) if final_divide else acc
    shift = {"running": m, "last_block": block_max, "none": 0.0}[lse_max]
    return output, shift + torch.log(l)


def dense_attention(q, k, v, causal=False, block_size=64):
    """Right (output, lse) through the full (Lq, Lk) score matrix (``*.materialises_scores``)."""
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    Lq, Lk = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (*B, Lq, Lk)
    if causal:
        scores = scores.masked_fill(_causal_block(Lq, 0, Lk, q.device), NEG_INF)  # (Lq, Lk) mask
    return torch.softmax(scores, dim=-1) @ v, torch.logsumexp(scores, dim=-1)
