"""Parameter builders for the hidden cases of module problems (trusted side only).

Weights are drawn from the case's seeded generator with standard deviation
1/√in_features, so a projection of a unit-scale input is unit-scale again and
the attention scores stay in the range where a wrong scale changes the answer.
"""

from __future__ import annotations

import math

import torch

from grader.hidden._inputs import randn


def linear_state(rng: torch.Generator, name: str, in_features: int, out_features: int, *,
                 bias: bool, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """State-dict entries ``{name}.weight`` (out, in) and, with ``bias``, ``{name}.bias`` (out,)."""
    state = {f"{name}.weight": randn(rng, out_features, in_features, dtype=dtype,
                                     scale=1.0 / math.sqrt(in_features))}
    if bias:
        state[f"{name}.bias"] = randn(rng, out_features, dtype=dtype, scale=0.5)
    return state
