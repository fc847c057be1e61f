"""Checks for modules with a key/value cache (problem 11), trusted side only.

- :func:`same_as_one_call`: a sequence fed in chunks gives the outputs of one
  call on the whole sequence; a failure names the first token that differs and
  the chunk it came in.
- :func:`cache_prefix_kept`: the returned cache begins, bit for bit, with the
  cache that was passed in (the old keys and values are copied, never
  recomputed, rounded or changed in place).
- :func:`output_gradients_match`: gradients of the output. The executor
  differentiates every tensor a call returns, the returned cache included, but
  the contract differentiates the output only; a candidate whose returned cache
  is out of the autograd graph is therefore compared with the reference's
  output-only gradients as well. Between chunks the cache must stay in the
  graph: a later chunk's output depends on the earlier tokens through it, so a
  module that detaches the cache it returns loses those gradients (the
  convention "everything that is a function of tensors is differentiable").

The whole-sequence and output-only results come from the reference run here,
in the trusted process, on the same invocation without its chunks.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from grader.checks import (Check, CheckContext, Verdict, failure_of_call, match_reference,
                           returned_structure_problem, tolerance)
from grader.i18n import t
from grader.references import solution_module
from grader.sandbox.execute import execute
from grader.sandbox.messages import Invocation, Outcome

SYMBOL = "CachedSelfAttention"

SAME_AS_ONE_CALL = t("fed in chunks {chunks}, the outputs equal one call on the whole sequence",
                     "按块 {chunks} 输入时，输出与整个序列一次调用的输出相同")
CHUNK_DIFFERS = t(
    "fed in chunks {chunks}, the outputs should equal one call on the whole sequence, but the "
    "first output that differs is new token {token} (token {index} of chunk {chunk}, at position "
    "{position} after {past} cached tokens), by up to {error} (rtol={rtol}, atol={atol})",
    "按块 {chunks} 输入时，输出应与整个序列一次调用的输出相同，但第一个不同的输出是第 {token} 个新词元"
    "（第 {chunk} 块的第 {index} 个词元，位于位置 {position}，前面有 {past} 个缓存的词元），"
    "最大相差 {error}（rtol={rtol}，atol={atol}）")
CHUNK_HINT = t(
    "Token t of a chunk sits at position T_past + t, where T_past counts every token before the "
    "chunk: it sees all of them and tokens 0 … t of its own chunk; the cache each call returns "
    "must hold every token so far.",
    "块中的第 t 个词元位于位置 T_past + t，T_past 是这个块之前所有词元的个数：它能看到这些词元，"
    "以及本块的第 0 … t 个词元；每次调用返回的缓存必须包含到目前为止的所有词元。")
PREFIX_KEPT = t("the returned cache begins with the {past} cached positions passed in, bit for bit",
                "返回的缓存以传入的 {past} 个缓存位置开头，逐位相同")
PREFIX_CHANGED = t(
    "the returned {name} should begin with the {past} cached positions passed in, bit for bit, "
    "but {count} of their {total} entries differ (by up to {error})",
    "返回的 {name} 应以传入的 {past} 个缓存位置开头且逐位相同，但其中 {total} 个元素中有 {count} 个不同"
    "（最多相差 {error}）")
PREFIX_HINT = t(
    "Copy the cached keys and values as they are, in front of the new ones (torch.cat along "
    "dim 2): never recompute, rescale, cast or modify them.",
    "把缓存的键和值原样放在新的键和值前面（沿第 2 维 torch.cat）：不要重新计算、缩放、转换类型或修改它们。")
PREFIX_SHAPE = t("the returned {name} has {got} positions, fewer than the {past} passed in",
                 "返回的 {name} 只有 {got} 个位置，少于传入的 {past} 个")


def _reference():
    return getattr(solution_module("kv_cache"), SYMBOL)


def _cache_out_of_the_graph():
    """The reference, returning its cache detached: its gradients are those of the output only."""

    class OutputOnly(_reference()):
        def forward(self, x, cache=None):
            output, (k, v) = super().forward(x, cache)
            return output, (k.detach(), v.detach())

    return OutputOnly


def whole_sequence_outcome(invocation: Invocation, *, differentiate_cache: bool = True) -> Outcome:
    """The reference's outcome of ``invocation`` with the whole sequence in one call."""
    cls = _reference() if differentiate_cache else _cache_out_of_the_graph()
    return execute({SYMBOL: cls}, replace(invocation, chunks=()), filename="<reference>")


def _past_length(invocation: Invocation) -> int:
    cache = invocation.kwargs.get("cache")
    return 0 if cache is None else int(cache[0].shape[2])


def same_as_one_call() -> Check:
    """The chunked outputs (``value[0]``) equal the reference's outputs for one whole call."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        whole = whole_sequence_outcome(ctx.invocation).value
        problem = returned_structure_problem(ctx, whole)
        if problem:
            return problem
        got, want = ctx.candidate.value[0].double(), whole[0].double()  # (B, T, E)
        rtol, atol = tolerance(whole[0].dtype)
        close = torch.isclose(got, want, rtol=rtol, atol=atol).flatten(2).all(-1).all(0)  # (T,)
        chunks = ctx.invocation.chunks or (want.shape[1],)
        if bool(close.all()):
            return Verdict(True, SAME_AS_ONE_CALL.format(chunks=tuple(chunks)))
        token = int((~close).nonzero()[0])
        starts = torch.tensor((0,) + tuple(chunks)).cumsum(0)  # first token of each chunk
        chunk = int((starts <= token).sum()) - 1
        past = _past_length(ctx.invocation)
        error = float((got[:, token] - want[:, token]).abs().max())
        return Verdict(False, CHUNK_DIFFERS.format(
            chunks=tuple(chunks), token=token, index=token - int(starts[chunk]), chunk=chunk,
            position=past + token, past=past + int(starts[chunk]), error=f"{error:.3g}",
            rtol=f"{rtol:g}", atol=f"{atol:g}"), error, hint=CHUNK_HINT)

    return check


def cache_prefix_kept() -> Check:
    """The returned cache (``value[1]``) starts with ``kwargs["cache"]``, exactly."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        problem = returned_structure_problem(ctx)
        if problem:
            return problem
        past = _past_length(ctx.invocation)
        if past == 0:
            return Verdict(True, PREFIX_KEPT.format(past=past))
        for name, given, returned in zip(("k", "v"), ctx.invocation.kwargs["cache"],
                                         ctx.candidate.value[1]):
            kept = returned[:, :, :past]
            if kept.shape[2] < past:
                return Verdict(False, PREFIX_SHAPE.format(name=name, got=kept.shape[2], past=past),
                               hint=PREFIX_HINT)
            if not torch.equal(kept, given):
                differ = kept != given
                error = float((kept.double() - given.double()).abs().max())
                return Verdict(False, PREFIX_CHANGED.format(
                    name=name, past=past, count=int(differ.sum()), total=given.numel(),
                    error=f"{error:.3g}"), error, hint=PREFIX_HINT)
        return Verdict(True, PREFIX_KEPT.format(past=past))

    return check


def output_gradients_match() -> Check:
    """Values and gradients match the reference, whether or not the returned cache is
    differentiated along with the output."""
    with_cache = match_reference()

    def check(ctx: CheckContext) -> Verdict:
        verdict = with_cache(ctx)
        if verdict.passed or failure_of_call(ctx) or ctx.invocation.grad is None:
            return verdict
        output_only = whole_sequence_outcome(ctx.invocation, differentiate_cache=False)
        alternative = with_cache(CheckContext(ctx.invocation, ctx.candidate, output_only))
        return alternative if alternative.passed else verdict

    return check
