"""Residual sub-layers that can make the catalogued mistakes of problems 8 and 9.

A Transformer encoder or decoder layer is a chain of residual sub-layers, each
wrapped in the same way. The variants of both problems build their layers from
:func:`sublayer` (the wrapping, right or wrong) around the reference's own
attention submodules, so no attention code is copied and only the mistake under
test differs from the reference. Trusted side only.
"""

from __future__ import annotations

from typing import Callable

import torch

RESIDUALS = ("add", "none", "double")


def sublayer(x: torch.Tensor, f: Callable[[torch.Tensor], torch.Tensor], norm: torch.nn.Module, *,
             norm_first: bool, residual: str = "add") -> torch.Tensor:
    """One residual sub-layer: post-norm ``norm(x + f(x))``, pre-norm ``x + f(norm(x))``.

    Args:
        x: the residual stream, (B, L, E).
        f: the sub-layer (an attention or the feed-forward network).
        norm: the LayerNorm of this sub-layer.
        norm_first: the norm order computed.
        residual: "add" (correct), "none" (f's output replaces the stream: no
            residual) or "double" (f's output added to itself, 003's ``x = x + x``).
    """
    if residual not in RESIDUALS:
        raise ValueError(residual)
    y = f(norm(x) if norm_first else x)
    combined = {"add": x + y, "none": y, "double": y + y}[residual]
    return combined if norm_first else norm(combined)


def norm_order(asked: bool, placement: str) -> bool:
    """The ``norm_first`` a layer computes when asked for ``asked``.

    ``placement``: "asked" (correct), "post" or "pre" (the flag is ignored and one
    order always computed), "flipped" (the flag read the wrong way round).
    """
    return {"asked": asked, "post": False, "pre": True, "flipped": not asked}[placement]


def feed_forward(layer: torch.nn.Module, x: torch.Tensor, *,
                 activation: bool = True) -> torch.Tensor:
    """``linear2(relu(linear1(x)))`` of ``layer``, or without the ReLU."""
    hidden = layer.linear1(x)
    return layer.linear2(torch.relu(hidden) if activation else hidden)
