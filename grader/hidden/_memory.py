"""Memory tests of the problems that must not build the (Lq, Lk) score matrix (trusted side only).

problems.md fixes the bound: 64 MiB of peak memory beyond the inputs, float32,
no autograd. A streaming solution stays far below it (the references: about
20 MiB); the smallest full score matrix of these tests is 256 MiB, so a
right-valued solution that builds it fails with its own misconception ID and
the measured figure.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from grader import feedback as F
from grader.checks import Check, CheckContext, Verdict, match_reference, peak_memory_below
from grader.hidden._inputs import randn
from grader.i18n import Text, t
from grader.sandbox.messages import Invocation

BOUND_MIB = 64
MEMORY_MET = t("memory within the bound ({memory})", "内存在上限之内（{memory}）")


def long_inputs(rng: torch.Generator, *shapes: tuple[int, ...]) -> list[torch.Tensor]:
    """float32 unit-scale tensors of the given shapes (sent to the sandbox: keep them lean)."""
    return [randn(rng, *shape, dtype=torch.float32) for shape in shapes]


def score_matrix_elements(invocation: Invocation) -> int:
    """How many elements a (…, Lq, Lk) tensor of a call on ``q, k, …`` has: its bytes as a boolean
    mask, the smallest form of the mistake (the contract forbids one whatever its dtype)."""
    q, k = invocation.args[0], invocation.args[1]
    return q.numel() // q.shape[-1] * k.shape[-2]


def values_within_memory(misconception: str, hint: Text) -> Check:
    """The call's peak stays under the bound (its figure is the message) and the values match; a
    peak over the bound names ``misconception`` (an (Lq, Lk) tensor built) from such a tensor's
    size as a boolean mask on: a streaming solution that only overshoots the bound is told its
    figure and the hint."""
    memory = peak_memory_below(BOUND_MIB, misconception=misconception, hint=hint, named_from=score_matrix_elements)
    values = match_reference(grads=False)

    def check(ctx: CheckContext) -> Verdict:
        within = memory(ctx)
        if not within.passed:
            return within
        verdict = values(ctx)
        if verdict.passed or ctx.candidate.peak_memory_bytes is None:
            return within if verdict.passed else verdict
        # memory met, values wrong: said both, so that the values' mistake is not read as memory's
        return replace(verdict, message=F.HELD_VALUES_WRONG.format(held=MEMORY_MET.format(memory=within.message),
                                                                   values=verdict.message))

    return check
