"""Invariants of a rotary position embedding, judged on the candidate's own outputs.

A rotation keeps the length of every feature pair it turns, and rotating a query
by m·θ and a key by n·θ leaves their dot product a function of m - n. Both
checks compare the candidate's output with its own input or with itself, never
with the reference, so a failure names the broken property rather than a
difference from hidden values. Trusted side only.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from grader.checks import (Check, CheckContext, Verdict, compare_tensors, failure_of_call, match_reference,
                           returned_structure_problem)
from grader.i18n import t

PAIR_NORMS = t("norms of the feature pairs (2i, 2i+1)", "特征对 (2i, 2i+1) 的范数")
NORMS_KEPT = t("every feature pair (2i, 2i+1) kept its norm", "每一对特征 (2i, 2i+1) 都保持了范数")
NORM_CHANGED = t(
    "a rotation keeps the length of each pair it turns, but the pair x[{where}, {first}:{stop}] "
    "came out with its norm changed by {error} ({detail})",
    "旋转会保持它所转动的每一对特征的长度，但特征对 x[{where}, {first}:{stop}] 输出后的范数变化了 "
    "{error}（{detail}）")
OFFSET_ONLY = t("⟨rope(q, m), rope(k, n)⟩ depends only on m − n for every pair of positions",
                "对所有位置对，⟨rope(q, m), rope(k, n)⟩ 都只取决于 m − n")
OFFSET_BROKEN = t(
    "⟨rope(q, m), rope(k, n)⟩ must depend only on m − n, but (m, n) = ({m1}, {n1}) and "
    "(m, n) = ({m2}, {n2}), both {offset} apart, give dot products that differ by {error}",
    "⟨rope(q, m), rope(k, n)⟩ 必须只取决于 m − n，但 (m, n) = ({m1}, {n1}) 与 (m, n) = ({m2}, {n2})"
    " 的位置差都是 {offset}，点积却相差 {error}")
DOT_PRODUCTS = t("dot products of rotated queries and keys", "旋转后查询与键的点积")
FLOAT32_ANGLES = t(
    "Every value is off by no more than angles rounded to float32 would make it, and the error grows "
    "with the position: the angles (or theta) are computed in float32, as in LLaMA's code, which keeps "
    "about seven digits of position · theta_i. Compute theta and the angles in float64 "
    "(positions.to(torch.float64)), then cast cos and sin to x's dtype.",
    "所有数值的误差都不超过角度按 float32 舍入所造成的误差，而且误差随位置增大：角度（或 theta）是用 float32 "
    "计算的（LLaMA 的代码就是这样），position · theta_i 只保留约七位有效数字。请用 float64 计算 theta 和角度"
    "（positions.to(torch.float64)），再把 cos 和 sin 转成 x 的 dtype。")
# float32 rounds a number by up to 2^-24 of itself; an angle built from float32 theta, position and
# product carries a few such roundings, and turns a pair of norm r by r times that error.
FLOAT32_ROUNDINGS = 8
FLOAT32_EPSILON = 2.0 ** -24


def _differences(got: torch.Tensor, want: torch.Tensor) -> torch.Tensor:
    """|got - want| in float64, with nan counted as an infinite difference."""
    return torch.nan_to_num((got.double() - want.double()).abs(), nan=float("inf"))


def _pair_norms(x: torch.Tensor) -> torch.Tensor:
    return x.unflatten(-1, (-1, 2)).norm(dim=-1)  # (*B, L, D/2)


def pairs_keep_their_norm() -> Check:
    """Each pair (2i, 2i+1) of the output has the norm of the same pair of the input ``args[0]``."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        problem = returned_structure_problem(ctx)
        if problem:
            return problem
        x, out = ctx.invocation.args[0], ctx.candidate.value
        want, got = _pair_norms(x), _pair_norms(out)
        verdict = compare_tensors(got, want, what=PAIR_NORMS)
        if verdict.passed:
            return Verdict(True, NORMS_KEPT, verdict.max_error)
        error = _differences(got, want)
        *where, pair = torch.unravel_index(error.argmax(), error.shape)  # (*B, L) index and pair
        message = NORM_CHANGED.format(where=", ".join(str(int(i)) for i in where),
                                      first=2 * int(pair), stop=2 * int(pair) + 2,
                                      error=f"{float(error.max()):.3g}", detail=verdict.message)
        return Verdict(False, message, verdict.max_error)

    return check


def scores_depend_on_offset_only() -> Check:
    """On ``x`` of shape (2, L, D) holding queries (element 0) and keys (element 1), the dot
    product of output query t and output key s depends only on positions[t] - positions[s]."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        problem = returned_structure_problem(ctx)
        if problem:
            return problem
        out, positions = ctx.candidate.value, ctx.invocation.args[1]
        scores = out[0] @ out[1].transpose(-2, -1)  # (L, L): query at t with key at s
        offsets = positions.unsqueeze(1) - positions.unsqueeze(0)  # (L, L): m - n for (t, s)
        for offset in offsets.unique().tolist():
            same = torch.nonzero(offsets == offset)  # (count, 2): every (t, s) this far apart
            if len(same) < 2:
                continue
            group = scores[same[:, 0], same[:, 1]]
            verdict = compare_tensors(group, group[:1].expand_as(group).clone(), what=DOT_PRODUCTS)
            if verdict.passed:
                continue
            error = _differences(group, group[:1].expand_as(group))
            worst = 1 + int(error[1:].argmax())  # the pair furthest from the first one
            (t1, s1), (t2, s2) = same[0].tolist(), same[worst].tolist()
            return Verdict(False, OFFSET_BROKEN.format(
                m1=int(positions[t1]), n1=int(positions[s1]), m2=int(positions[t2]),
                n2=int(positions[s2]), offset=offset, error=f"{float(error[worst]):.3g}"),
                float(error[worst]))
        return Verdict(True, OFFSET_ONLY)

    return check


def float32_angles_named(judged: Check = match_reference()) -> Check:
    """``judged`` (by default the values; float64 tests), with its hint replaced by one about float32
    angles when the failure is one that angles rounded to float32 explain.

    Such code passes the float32 tests and fails the float64 ones at large positions, where its
    error (up to ``r · |a| · 2^-24`` per pair, a few times over) outgrows float32's tolerance
    and the generic float32 check no longer recognises it. An invariant fails on it too (the
    dot products of 10.8 differ by a few 1e-7), and would otherwise hint at the wrong positions.
    """

    def check(ctx: CheckContext) -> Verdict:
        verdict = judged(ctx)
        x, got = ctx.invocation.args[0], ctx.candidate.value
        if (verdict.passed or ctx.candidate.error or not isinstance(got, torch.Tensor)
                or x.dtype != torch.float64 or got.shape != x.shape or not torch.isfinite(got).all()):
            return verdict
        positions, base = ctx.invocation.args[1], float(ctx.invocation.kwargs.get("base", 10000.0))
        D = x.shape[-1]
        theta = base ** (-2 * torch.arange(D // 2, dtype=torch.float64) / D)
        angles = positions.to(torch.float64).unsqueeze(-1) * theta  # (L, D/2)
        bound = FLOAT32_ROUNDINGS * FLOAT32_EPSILON * (angles.abs() + 1) * _pair_norms(x)  # (*B, L, D/2)
        error = (got - ctx.expected.value).unflatten(-1, (-1, 2)).norm(dim=-1)
        return replace(verdict, hint=FLOAT32_ANGLES) if bool((error <= bound).all()) else verdict

    return check
