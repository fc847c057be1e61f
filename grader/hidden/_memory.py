"""Memory tests of the problems that must not build the (Lq, Lk) score matrix (trusted side only).

problems.md fixes the bound: 64 MiB of peak memory beyond the inputs, float32,
no autograd. A streaming solution stays far below it (the references: about
20 MiB); the smallest full score matrix of these tests is 256 MiB, so a
right-valued solution that builds it fails with its own misconception ID and
the measured figure.
"""

from __future__ import annotations

import torch

from grader.checks import Check, all_of, match_reference, peak_memory_below
from grader.hidden._inputs import randn
from grader.i18n import Text

BOUND_MIB = 64


def long_inputs(rng: torch.Generator, *shapes: tuple[int, ...]) -> list[torch.Tensor]:
    """float32 unit-scale tensors of the given shapes (sent to the sandbox: keep them lean)."""
    return [randn(rng, *shape, dtype=torch.float32) for shape in shapes]


def values_within_memory(misconception: str, hint: Text) -> Check:
    """The call's peak stays under the bound (its figure is the message) and the values match."""
    return all_of(peak_memory_below(BOUND_MIB, misconception=misconception, hint=hint),
                  match_reference(grads=False))
