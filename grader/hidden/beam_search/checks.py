"""Checks of the beam_search cases: the winners and their scores, the exhaustive optimum, the loop.

Scores are float64 whatever the logits' dtype, and are compared with the
tolerance of the logits' dtype (problems.md): a search that scores float32
logits in float32 is right to float32 precision and no further. The trusted
side rebuilds the toy model from the invocation for the exhaustive check;
the model's call statistics (``outcome.stats``) judge the loop. No message
prints a hidden expected value.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import torch

from grader.checks import (Check, CheckContext, Verdict, compare_tensors, describe, failure_of_call,
                           tolerance)
from grader.hidden.beam_search.models import settings
from grader.i18n import t
from grader.sandbox import toy_models
from grader.sandbox.messages import Outcome

SCORES = t("scores", "分数")
NOT_A_PAIR = t("expected a tuple (sequences, scores), got {got}",
               "应返回元组 (sequences, scores)，实际得到{got}")
SEQUENCES_NOT_IDS = t("sequences: expected an int64 tensor of shape (B, T0 + n_max), got {got}",
                      "sequences：应为形状 (B, T0 + n_max) 的 int64 张量，实际得到{got}")
SEQUENCES_SHAPE = t("sequences: shape {got}; expected ({batch}, T0 + n_max) with T0 = {t0} and "
                    "0 <= n_max <= max_new_tokens = {max_new}",
                    "sequences：形状为 {got}；应为 ({batch}, T0 + n_max)，其中 T0 = {t0}，"
                    "0 <= n_max <= max_new_tokens = {max_new}")
PROMPT_FIRST = t("sequences must start with the prompt, unchanged",
                 "sequences 必须以原样的提示词开头")
SCORES_NOT_FLOAT64 = t("scores: expected a float64 tensor of shape ({batch},), got {got}",
                       "scores：应为形状 ({batch},) 的 float64 张量，实际得到{got}")
WINNER_LENGTH = t("sequences: {got} generated tokens per row, expected {want} (the longest "
                  "winner's length, eos included; shorter winners are padded with eos)",
                  "sequences：每行生成了 {got} 个词元，应为 {want}（最长的获胜假设的长度，包括 eos；"
                  "较短的获胜假设用 eos 填充）")
ROWS_DIFFER = t("sequences: {count} of {total} rows hold another hypothesis than the one beam "
                "search selects (row {rows})",
                "sequences：{total} 行中有 {count} 行返回的不是束搜索选出的假设（第 {rows} 行）")
PADDING_NOT_EOS = t("sequences: row {rows}: right up to where the winner ends, but the padding after it "
                    "holds other tokens: a row whose winner is shorter is padded with eos_token_id = {eos}",
                    "sequences：第 {rows} 行到获胜假设结束处为止都正确，但其后的填充是别的词元："
                    "获胜假设较短的行要用 eos_token_id = {eos} 填充")
HINT_PAD_WITH_EOS = t("Fill the rest of a shorter winner's row with eos_token_id, not 0 or -1: the "
                      "statement pads with eos.",
                      "较短的获胜假设所在行的剩余位置要用 eos_token_id 填充，而不是 0 或 -1：题面规定用 eos 填充。")
SCORES_OFF = t("the winners are right but not their final scores: {detail}",
               "获胜假设正确，但它们的最终分数不对：{detail}")
WINNERS_MATCH = t("every row's winner and its final score are right (scores to the tolerance of "
                  "{dtype} logits, max error {error})",
                  "每一行的获胜假设及其最终分数都正确（分数按 {dtype} logits 的容差比较，最大误差 {error}）")
NOT_OPTIMAL = t("row {row}: with num_beams >= V ** max_new_tokens = {count} no continuation is "
                "ever dropped, so the winner must be the most likely one; an exhaustive search "
                "over all {count} continuations finds a better one",
                "第 {row} 行：num_beams >= V ** max_new_tokens = {count} 时没有任何续写会被丢弃，"
                "获胜假设必须是概率最大的那个；对全部 {count} 个续写的穷举搜索找到了更好的")
OPTIMAL = t("every row's winner is the exhaustive optimum over all {count} continuations",
            "每一行的获胜假设都是全部 {count} 个续写中的穷举最优解")
OVER_BLOCK = t("the model was fed {length} tokens but its block_size is {block_size}: feed each "
               "beam's last block_size tokens",
               "模型收到了 {length} 个词元，但它的 block_size 是 {block_size}：每个束只送入最后 "
               "block_size 个词元")
GRAD_ON = t("{count} model calls ran with autograd on: search under torch.no_grad()",
            "有 {count} 次模型调用开启了自动求导：请在 torch.no_grad() 下搜索")
CALLS_OK = t("the model was called as required", "模型的调用方式符合要求")


def logits_dtype(invocation) -> torch.dtype:
    return getattr(torch, invocation.model.get("dtype", "float32"))


def _structure_problem(ctx: CheckContext) -> Verdict | None:
    """A failing verdict unless the call returned (sequences, scores) of the right form."""
    failure = failure_of_call(ctx)
    if failure:
        return failure
    value = ctx.candidate.value
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Verdict(False, NOT_A_PAIR.format(got=describe(value)))
    sequences, scores = value
    arguments = settings(ctx.invocation)
    prompt, max_new = arguments["prompt"], arguments["max_new_tokens"]
    B, T0 = prompt.shape
    if not (isinstance(sequences, torch.Tensor) and sequences.dim() == 2
            and sequences.dtype == torch.int64):
        return Verdict(False, SEQUENCES_NOT_IDS.format(got=describe(sequences)))
    if sequences.shape[0] != B or not T0 <= sequences.shape[1] <= T0 + max_new:
        return Verdict(False, SEQUENCES_SHAPE.format(got=tuple(sequences.shape), batch=B, t0=T0,
                                                     max_new=max_new))
    if not torch.equal(sequences[:, :T0], prompt):
        return Verdict(False, PROMPT_FIRST)
    if not (isinstance(scores, torch.Tensor) and scores.dtype == torch.float64
            and scores.shape == (B,)):
        return Verdict(False, SCORES_NOT_FLOAT64.format(batch=B, got=describe(scores)))
    return None


def winners() -> Check:
    """Each row's winner equals the reference's; scores within the logits' dtype tolerance."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _structure_problem(ctx)
        if problem:
            return problem
        (sequences, scores), (want_sequences, want_scores) = ctx.candidate.value, ctx.expected.value
        T0 = ctx.invocation.args[0].shape[1]
        if sequences.shape != want_sequences.shape:
            return Verdict(False, WINNER_LENGTH.format(got=sequences.shape[1] - T0,
                                                       want=want_sequences.shape[1] - T0))
        B = sequences.shape[0]
        rows = [r for r in range(B) if not torch.equal(sequences[r], want_sequences[r])]
        eos, dtype = settings(ctx.invocation)["eos_token_id"], logits_dtype(ctx.invocation)
        if rows and _only_padding_differs(ctx, rows, eos, dtype):
            return Verdict(False, PADDING_NOT_EOS.format(rows=", ".join(map(str, rows)), eos=eos),
                           hint=HINT_PAD_WITH_EOS, wrong_values=True)
        if rows:
            return Verdict(False, ROWS_DIFFER.format(rows=", ".join(map(str, rows)),
                                                     count=len(rows), total=B), wrong_values=True)
        verdict = compare_tensors(scores.to(dtype), want_scores.to(dtype), what=SCORES)
        if not verdict.passed:
            return replace(verdict, message=SCORES_OFF.format(detail=verdict.message))  # its flags kept
        message = WINNERS_MATCH.format(dtype=str(dtype).replace("torch.", ""),
                                       error=f"{verdict.max_error:.2e}")
        return Verdict(True, message, verdict.max_error)

    return check


def _only_padding_differs(ctx: CheckContext, rows: list[int], eos: int | None, dtype: torch.dtype) -> bool:
    """Whether the ``rows`` that differ hold the reference's winners padded with another token than
    eos: the same tokens up to the padding (:func:`_padded_otherwise`) and the same scores."""
    (sequences, scores), (want_sequences, want_scores) = ctx.candidate.value, ctx.expected.value
    T0 = ctx.invocation.args[0].shape[1]
    return (all(_padded_otherwise(sequences[r], want_sequences[r], T0, eos) for r in rows)
            and compare_tensors(scores[rows].to(dtype), want_scores[rows].to(dtype), what=SCORES).passed)


def _padded_otherwise(got: torch.Tensor, want: torch.Tensor, t0: int, eos: int | None) -> bool:
    """Whether the row ``got`` differs from the winner ``want`` only where ``want`` ends in a run of
    eos (its padding, and the winner's own eos if it has one)."""
    if eos is None:
        return False
    generated = want[t0:]
    not_eos = (generated != eos).nonzero()
    start = t0 + (int(not_eos[-1]) + 1 if len(not_eos) else 0)  # where the trailing run of eos begins
    return start < len(want) and torch.equal(got[:start], want[:start])


def _exhaustive(invocation) -> tuple[torch.Tensor, torch.Tensor]:
    """Every continuation of every row, scored as the contract says: (tokens, final scores)."""
    model = toy_models.build(invocation.model)
    args = settings(invocation)
    prompt, steps = args["prompt"], args["max_new_tokens"]
    continuations = torch.tensor(list(itertools.product(range(model.vocab_size), repeat=steps)))
    finals = []
    for row in prompt:
        ids = torch.cat([row.expand(len(continuations), -1), continuations], dim=1)  # (C, T0 + n)
        score = torch.zeros(len(continuations), dtype=torch.float64)
        with torch.no_grad():
            for step in range(steps):
                end = prompt.shape[1] + step
                logits = model(ids[:, max(0, end - model.block_size):end])[:, -1, :]
                log_probs = torch.log_softmax(logits.double(), dim=-1)
                score += log_probs.gather(1, ids[:, end:end + 1])[:, 0]
        finals.append(score / steps ** args["length_penalty"])
    return continuations, torch.stack(finals)  # (C, n), (B, C)


def exhaustive_optimum() -> Check:
    """With num_beams >= V ** max_new_tokens and no eos, each winner is the brute-force optimum."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _structure_problem(ctx)
        if problem:
            return problem
        continuations, finals = _exhaustive(ctx.invocation)
        sequences, scores = ctx.candidate.value
        T0 = ctx.invocation.args[0].shape[1]
        count = len(continuations)
        for row in range(sequences.shape[0]):
            best = int(finals[row].argmax())
            if not torch.equal(sequences[row, T0:], continuations[best]):
                return Verdict(False, NOT_OPTIMAL.format(row=row, count=count))
        dtype = logits_dtype(ctx.invocation)
        best_scores = finals.max(dim=1).values
        verdict = compare_tensors(scores.to(dtype), best_scores.to(dtype), what=SCORES)
        if not verdict.passed:
            return verdict
        return Verdict(True, OPTIMAL.format(count=count), verdict.max_error)

    return check


def model_calls(*, crop: bool = False, no_grad: bool = False) -> Check:
    """The model never saw more than block_size tokens / always ran with autograd off."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        stats = ctx.candidate.stats or {}
        if crop and stats.get("over_length_calls", 0):
            return Verdict(False, OVER_BLOCK.format(length=stats.get("max_len"),
                                                    block_size=ctx.invocation.model["block_size"]))
        if no_grad and stats.get("grad_enabled_calls", 0):
            return Verdict(False, GRAD_ON.format(count=stats["grad_enabled_calls"]))
        return Verdict(True, CALLS_OK)

    return check


def similar_winners(a: Outcome, b: Outcome, *, dtype: torch.dtype, factor: float = 10.0) -> bool:
    """Diagnosis: the same winners, and scores within ``factor`` times the dtype's tolerance."""
    if a.error or b.error:
        return False
    pairs = [v for v in (a.value, b.value) if isinstance(v, (tuple, list)) and len(v) == 2]
    if len(pairs) != 2 or not all(isinstance(x, torch.Tensor) for pair in pairs for x in pair):
        return False
    (sequences_a, scores_a), (sequences_b, scores_b) = pairs
    if sequences_a.shape != sequences_b.shape or not torch.equal(sequences_a, sequences_b):
        return False
    if scores_a.shape != scores_b.shape:
        return False
    rtol, atol = tolerance(dtype)
    return bool(torch.isclose(scores_a.double(), scores_b.double(), rtol=rtol * factor,
                              atol=atol * factor).all())
