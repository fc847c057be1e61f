"""Checks of the decoding loop and of sampled tokens, for text_generation (trusted side only).

Sampled outputs are judged by their properties, computed from the toy model
itself (never from the reference's draws), in float64:

- support: every sampled token is allowed by temperature, top-k and top-p given
  its row's own prefix (with a little slack, so that float32 rounding at a
  boundary never counts against anyone; the designed distributions keep every
  boundary at least 0.02 away from top_p);
- distribution: thousands of draws of one known distribution, and a
  chi-square goodness-of-fit test that rejects at p < 1e-6;
- determinism: under one generator seed the candidate draws what the reference
  draws (``torch.multinomial`` with one sample draws ``argmax(probs / E)``, E
  exponential noise from the generator, so a row's draw depends only on the
  generator and that row's probabilities, however correctly they were computed);
- the loop itself, through the toy model's call statistics: the context never
  exceeds ``block_size``, one call per step for the whole batch (rows that have
  finished included), autograd off;
- eos: a finished row keeps producing eos, and decoding stops right after the
  last row finishes.

A verdict that knows which rule was broken carries its own hint (and, where the
broken rule is a catalogued mistake, its ID), so the learner is not shown the
case's hint about something else.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from grader import registry
from grader.checks import Check, CheckContext, Verdict, describe, exception_verdict, missing_part
from grader.hidden.text_generation.expectations import next_distribution
from grader.hidden.text_generation.sampling import keep_top_k
from grader.i18n import Text, t
from grader.references import solution_namespace
from grader.sandbox.execute import execute
from grader.sandbox.messages import Invocation, Outcome

P_VALUE = 1e-6  # chi-square rejection level
SAME_ROWS = 0.99  # determinism: fraction of rows that must equal the reference's
SIMILAR = 0.95  # diagnosis: fraction of rows whose generated tokens must agree
SUPPORT_SLACK = 1e-6  # how far the support check widens top-k and top-p

# ----------------------------------------------------------------------------- the returned ids
PROMPT_MUTATED = t("modified the prompt in place; build a new tensor (torch.cat)",
                   "原地修改了 prompt；请构造新的张量（torch.cat）")
NOT_ID_MATRIX = t("expected a (B, T0 + steps) tensor of token ids, got {got}",
                  "应返回形状为 (B, T0 + steps) 的词元 id 张量，实际得到{got}")
NOT_INT64 = t("token ids must be int64, got {got}", "词元 id 必须是 int64，实际得到{got}")
WRONG_LENGTH = t("returned shape {shape}; expected ({batch}, T0 + steps) with T0 = {t0} and "
                 "0 <= steps <= max_new_tokens = {max_new}",
                 "返回的形状为 {shape}；应为 ({batch}, T0 + steps)，其中 T0 = {t0}，"
                 "0 <= steps <= max_new_tokens = {max_new}")
NEW_TOKENS_ONLY = t("returned only the {steps} new tokens; the output is the prompt (T0 = {t0}) followed by them",
                    "只返回了 {steps} 个新词元；输出应是 prompt（T0 = {t0}）后接这些新词元")
PROMPT_NOT_KEPT = t("the output must start with the prompt, unchanged",
                    "输出必须以原样的 prompt 开头")
IDS_OUT_OF_RANGE = t("token ids must lie in [0, {vocab})", "词元 id 必须在 [0, {vocab}) 范围内")
IDS_OK = t("token ids of the right shape and dtype", "词元 id 的形状和 dtype 都正确")
HINT_RETURN_IDS = t("Return torch.cat([prompt, new_tokens], dim=1): int64 ids of shape "
                    "(B, T0 + steps), the prompt first.",
                    "返回 torch.cat([prompt, new_tokens], dim=1)：形状为 (B, T0 + steps) 的 int64 "
                    "词元 id，提示词在前。")
HINT_IDS_IN_RANGE = t("Token ids index the vocabulary: take them from argmax or torch.multinomial "
                      "over the V logits of the last position.",
                      "词元 id 是词表中的下标：从最后一个位置的 V 个 logits 上用 argmax 或 "
                      "torch.multinomial 得到。")

# ----------------------------------------------------------------------------- the loop
OVER_BLOCK_SIZE = t("the model was fed {length} tokens but its block_size is {block_size}: feed "
                    "only the last block_size tokens",
                    "模型收到了 {length} 个词元，但它的 block_size 是 {block_size}：只送入最后 "
                    "block_size 个词元")
TOO_FEW_TOKENS = t("at step {step} the model saw {length} tokens although {available} were "
                   "available (block_size {block_size}): feed the last block_size tokens, not fewer",
                   "第 {step} 步模型只看到 {length} 个词元，而可用的有 {available} 个（block_size 为 "
                   "{block_size}）：送入最后 block_size 个词元，不能更少")
CALL_COUNT = t("the model was called {calls} times for {steps} generated tokens: call it exactly "
               "once per step",
               "生成 {steps} 个词元却调用了模型 {calls} 次：每一步恰好调用一次")
BATCH_SIZES = t("the model was called with batch sizes {sizes} instead of the whole batch "
                "({batch}): one call per step for all sequences together",
                "调用模型时的批大小是 {sizes}，而不是整个批（{batch}）：每一步对所有序列一起调用一次")
GRAD_ENABLED = t("{count} model calls ran with autograd on: decode under torch.no_grad()",
                 "有 {count} 次模型调用开启了自动求导：请在 torch.no_grad() 之下解码")
LOOP_OK = t("the decoding loop called the model as required", "解码循环按要求调用了模型")
HINT_CROP = t("Feed model(ids[:, -model.block_size:]) at every step, the first one included.",
              "每一步（包括第一步）都送入 model(ids[:, -model.block_size:])。")
HINT_CROP_NOT_SHORTER = t("ids[:, -model.block_size:] keeps the whole sequence while it fits; do "
                          "not cut the context any shorter.",
                          "序列放得下时，ids[:, -model.block_size:] 会保留整个序列；不要把上下文截得更短。")
HINT_ONE_CALL = t("Call the model once per generated token; use the logits of that call instead of "
                  "calling it again.",
                  "每生成一个词元只调用一次模型；使用这次调用得到的 logits，不要再调用一次。")
HINT_WHOLE_BATCH = t("Call the model on the whole (B, T) batch at once instead of looping over "
                     "the rows.",
                     "一次把整个 (B, T) 批送进模型，不要逐行循环。")
HINT_FINISHED_ROWS = t("Rows that have generated eos still go to the model: call it on every row at every "
                       "step, then replace a finished row's new token by eos.",
                       "已生成 eos 的行仍然要送进模型：每一步对所有行调用一次模型，然后把已结束的行的新词元替换为 "
                       "eos。")
HINT_NO_GRAD = t("Wrap the decoding loop in `with torch.no_grad():`.",
                 "把解码循环放在 `with torch.no_grad():` 之下。")

# ----------------------------------------------------------------------------- eos
EOS_NOT_STICKY = t("row {row} generated eos and then other tokens: a finished sequence must keep "
                   "producing eos",
                   "第 {row} 行生成 eos 之后又生成了别的词元：已结束的序列必须一直输出 eos")
EOS_WENT_ON = t("every row had generated eos after {finished} steps, but decoding went on to "
                "{steps}: stop once all sequences are finished",
                "所有行在 {finished} 步后都已生成 eos，解码却继续到了第 {steps} 步：所有序列都结束后"
                "就应停止")
EOS_STOPPED_EARLY = t("stopped after {steps} of {max_new} steps although some rows never generated "
                      "eos",
                      "在 {max_new} 步中只走了 {steps} 步就停止了，但有些行从未生成 eos")
EOS_OK = t("eos handled as required", "eos 的处理符合要求")
HINT_EOS_STICKY = t("Keep a boolean 'finished' per row; once a row has generated eos, replace each "
                    "of its later tokens by eos.",
                    "为每一行维护一个布尔值 finished；某一行生成 eos 之后，把它之后的每个词元都替换为 eos。")
LENGTH_WITH_PROMPT = t("generated {steps} tokens where max_new_tokens = {max_new}: the prompt's {t0} tokens were "
                       "counted in, but max_new_tokens counts the new tokens only",
                       "max_new_tokens = {max_new}，却只生成了 {steps} 个词元：把提示词的 {t0} 个词元也算进去了，"
                       "而 max_new_tokens 只计新生成的词元")
HINT_NEW_TOKENS = t("Loop max_new_tokens times (for _ in range(max_new_tokens)), whatever the prompt's length.",
                    "循环 max_new_tokens 次（for _ in range(max_new_tokens)），与提示词的长度无关。")
HINT_EOS_STOP = t("Break out of the loop as soon as every row is finished.",
                  "所有行都结束后立即跳出循环。")
EOS_ZERO_IGNORED = t("eos_token_id is 0 here and was ignored: the tokens are those of decoding with no eos at all",
                     "这里的 eos_token_id 是 0，却被忽略了：生成的词元与完全没有 eos 时解码的结果相同")
HINT_EOS_ZERO = t("Token id 0 is a valid eos, and 0 is false in Python: test 'eos_token_id is not None', "
                  "not 'if eos_token_id:'.",
                  "词元 id 0 是合法的 eos，而 0 在 Python 中为假：请判断 'eos_token_id is not None'，"
                  "不要写 'if eos_token_id:'。")
HINT_EOS_NOT_EARLY = t("Stop early only when every row has generated eos itself; an eos in the "
                       "prompt does not count, and unfinished rows go on.",
                       "只有当每一行都自己生成了 eos 时才提前停止；提示词中的 eos 不算，尚未结束的行"
                       "要继续生成。")

# ----------------------------------------------------------------------------- sampling
OUTSIDE_SUPPORT = t("row {row}, step {step}: sampled token {token}, which temperature / top_k / top_p "
                    "should have removed ({count} such draws at this step)",
                    "第 {row} 行第 {step} 步：抽到了词元 {token}，而温度 / top_k / top_p 应该已经把它"
                    "去掉了（这一步共有 {count} 次这样的抽样）")
IN_SUPPORT = t("every sampled token is inside the top-k set and the nucleus",
               "每个抽到的词元都在 top-k 集合和核之内")
NOTHING_GENERATED = t("no token was generated", "没有生成任何词元")
DRAWS_OUTSIDE = t("{outside} of {n} draws fell outside the top-k set / nucleus",
                  "{n} 次抽样中有 {outside} 次落在 top-k 集合或核之外")
SINGLE_TOKEN = t("the single allowed token was always drawn", "唯一允许的词元每次都被抽中")
DISTRIBUTION_OFF = t("the draws do not follow the expected distribution: chi-square {statistic}, "
                     "degrees of freedom: {df}, p {p}; token {token} was drawn {how} "
                     "({share} of {n} draws)",
                     "抽样结果不符合预期分布：卡方统计量 {statistic}，自由度 {df}，p {p}；"
                     "词元 {token} 被抽中得{how}（占 {n} 次抽样的 {share}）")
TOO_OFTEN = t("too often", "太多")
TOO_RARELY = t("too rarely", "太少")
DISTRIBUTION_OK = t("draws follow the expected distribution (chi-square {statistic}, degrees of "
                    "freedom: {df}, p = {p})",
                    "抽样符合预期分布（卡方统计量 {statistic}，自由度 {df}，p = {p}）")
SEED_SHAPE = t("with the same generator seed the reference generated shape {want}, yours {got}",
               "在同一个生成器种子下，参考答案生成的形状是 {want}，你的是 {got}")
SEED_DRAWS = t("with the same generator seed only {share} of the rows match the reference's "
               "samples: draw once per step with torch.multinomial(probs, 1, generator=generator) "
               "on the (B, V) probabilities in vocabulary order",
               "在同一个生成器种子下，只有 {share} 的行与参考答案的样本相同：每一步在按词表顺序排列的 "
               "(B, V) 概率上调用一次 torch.multinomial(probs, 1, generator=generator)")
SEED_OK = t("the generator decides every draw: same seed, same samples",
            "每次抽样都由生成器决定：种子相同，样本相同")
HINT_ONE_TOKEN = t("With max_new_tokens = 1 exactly one token is generated per row.",
                   "max_new_tokens = 1 时每一行恰好生成一个词元。")
HINT_TOP_K = t("Divide the logits by the temperature, then set every logit below the k-th largest "
               "to -inf before the softmax; draw only from what is left.",
               "先用温度去除 logits，再在 softmax 之前把小于第 k 大值的 logits 都设为 -inf；只从剩下的"
               "词元中抽样。")
HINT_FILTERS = t("Divide the logits by the temperature, apply top_k, then keep the nucleus (top_p) of "
                 "the softmax of what top_k left; set every removed logit to -inf and draw from the "
                 "softmax of the rest.",
                 "先用温度去除 logits，再做 top_k，然后在 top_k 留下部分的 softmax 上保留核（top_p）；"
                 "把去掉的 logits 都设为 -inf，再从其余部分的 softmax 中抽样。")


def settings_of(invocation: Invocation) -> dict:
    """The sampling settings of a ``generate`` invocation, with the contract's defaults."""
    kwargs = invocation.kwargs
    return {"temperature": kwargs.get("temperature", 1.0), "top_k": kwargs.get("top_k"),
            "top_p": kwargs.get("top_p"), "eos": kwargs.get("eos_token_id")}


def _shape(value: torch.Tensor) -> str:
    return str(tuple(value.shape))


def _tokens_problem(ctx: CheckContext) -> Verdict | None:
    """A failing verdict unless the output is (B, T0 + steps) int64 that starts with the prompt."""
    if ctx.candidate.error:
        return exception_verdict(ctx.candidate.error)
    if ctx.candidate.mutated:
        return Verdict(False, PROMPT_MUTATED, shows_case_hint=False)
    prompt, max_new = ctx.invocation.args[0], ctx.invocation.args[1]
    value = ctx.candidate.value
    B, T0 = prompt.shape
    if not isinstance(value, torch.Tensor) or value.dim() != 2:
        return Verdict(False, NOT_ID_MATRIX.format(got=describe(value)), hint=HINT_RETURN_IDS)
    if value.dtype != torch.int64:
        return Verdict(False, NOT_INT64.format(got=describe(value)), hint=HINT_RETURN_IDS)
    new_only = _new_tokens_only(ctx)
    if new_only:
        return new_only
    if value.shape[0] != B or not T0 <= value.shape[1] <= T0 + max_new:
        return Verdict(False, WRONG_LENGTH.format(shape=_shape(value), batch=B, t0=T0,
                                                  max_new=max_new), hint=HINT_RETURN_IDS)
    if not torch.equal(value[:, :T0], prompt):
        return Verdict(False, PROMPT_NOT_KEPT, hint=HINT_RETURN_IDS)
    vocab = ctx.invocation.model["table"].shape[1]
    if value.numel() and bool(((value < 0) | (value >= vocab)).any()):
        return Verdict(False, IDS_OUT_OF_RANGE.format(vocab=vocab), hint=HINT_IDS_IN_RANGE)
    return None


def _new_tokens_only(ctx: CheckContext) -> Verdict | None:
    """A failing verdict when the output is the reference's without the prompt in front."""
    value, expected, t0 = ctx.candidate.value, ctx.expected.value, ctx.invocation.args[0].shape[1]
    if not (isinstance(value, torch.Tensor) and isinstance(expected, torch.Tensor)):
        return None
    if t0 and missing_part(value, expected) == (1, t0, True):
        return Verdict(False, NEW_TOKENS_ONLY.format(steps=value.shape[1], t0=t0), hint=HINT_RETURN_IDS)
    return None


def tokens_valid() -> Check:
    """The output is int64 (B, T0 + steps), starts with the prompt, steps <= max_new_tokens."""

    def check(ctx: CheckContext) -> Verdict:
        return _tokens_problem(ctx) or Verdict(True, IDS_OK)

    return check


def loop_stats(*, crop=False, one_call=False, no_grad=False) -> Check:
    """The model was fed at most block_size tokens / called once per step with the
    whole batch / called with autograd off (from the toy model's statistics)."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        stats = ctx.candidate.stats or {}
        block_size = ctx.invocation.model["block_size"]
        B, T0 = ctx.invocation.args[0].shape
        steps = ctx.candidate.value.shape[1] - T0
        if crop and stats.get("over_length_calls", 0):
            message = OVER_BLOCK_SIZE.format(length=stats["max_len"], block_size=block_size)
            return Verdict(False, message, hint=HINT_CROP, suggests=("gen.no_context_crop",))
        if crop and stats.get("calls") == steps:  # lengths are recorded call by call
            for step, length in enumerate(stats.get("lengths", ())):
                available = min(T0 + step, block_size)
                if length < available:
                    return Verdict(False, TOO_FEW_TOKENS.format(step=step + 1, length=length,
                                                                available=available,
                                                                block_size=block_size),
                                   hint=HINT_CROP_NOT_SHORTER)
        if one_call and stats.get("calls") != steps:
            return Verdict(False, CALL_COUNT.format(calls=stats.get("calls"), steps=steps),
                           hint=HINT_ONE_CALL)
        sizes = stats.get("batch_sizes", ())
        if one_call and any(b != B for b in sizes):
            # one call per step whose batch only ever lost rows: the finished ones were left out
            dropped = sizes[0] == B and all(b <= B for b in sizes)
            return Verdict(False, BATCH_SIZES.format(sizes=sorted(set(sizes)), batch=B),
                           hint=HINT_FINISHED_ROWS if dropped else HINT_WHOLE_BATCH)
        if no_grad and stats.get("grad_enabled_calls"):
            return Verdict(False, GRAD_ENABLED.format(count=stats["grad_enabled_calls"]),
                           hint=HINT_NO_GRAD)
        return Verdict(True, LOOP_OK)

    return check


def eos_rules() -> Check:
    """After eos a row produces only eos; decoding stops right after the last row finishes.

    A candidate that breaks them by decoding as if there were no eos, where the eos id is 0, is
    told that 0 is false in Python (``if eos_token_id:``) rather than which rule it broke."""

    def check(ctx: CheckContext) -> Verdict:
        verdict = _eos_verdict(ctx)
        if not verdict.passed and settings_of(ctx.invocation)["eos"] == 0 and _as_if_no_eos(ctx):
            return Verdict(False, EOS_ZERO_IGNORED, hint=HINT_EOS_ZERO)
        return verdict

    return check


def _as_if_no_eos(ctx: CheckContext) -> bool:
    """Whether the candidate's tokens are the reference's with ``eos_token_id=None``."""
    invocation = replace(ctx.invocation, kwargs={**ctx.invocation.kwargs, "eos_token_id": None})
    reference = execute(solution_namespace(registry.get("text_generation")), invocation, filename="<reference>")
    got = ctx.candidate.value
    return (reference.error is None and isinstance(got, torch.Tensor) and got.shape == reference.value.shape
            and bool(torch.equal(got, reference.value)))


def _prompt_counted_in(value: torch.Tensor, prompt: torch.Tensor, max_new: int) -> Verdict | None:
    """A failing verdict when a run that kept the prompt stopped once the whole sequence had
    max_new_tokens tokens."""
    t0 = prompt.shape[1]
    steps = value.shape[1] - t0
    if (t0 and steps == max_new - t0 and value.shape[0] == prompt.shape[0]
            and torch.equal(value[:, :t0], prompt)):
        return Verdict(False, LENGTH_WITH_PROMPT.format(steps=steps, max_new=max_new, t0=t0), hint=HINT_NEW_TOKENS)
    return None


def all_new_tokens() -> Check:
    """With no eos, every row gets max_new_tokens new tokens; a loop that stopped when the whole
    sequence had max_new_tokens tokens is told that it counted the prompt in. Other shapes are left
    to the comparison with the reference."""

    def check(ctx: CheckContext) -> Verdict:
        value, (prompt, max_new) = ctx.candidate.value, ctx.invocation.args[:2]
        if not ctx.candidate.error and isinstance(value, torch.Tensor) and value.dim() == 2:
            wrong_length = _new_tokens_only(ctx) or _prompt_counted_in(value, prompt, max_new)
            if wrong_length:
                return wrong_length
        return Verdict(True, IDS_OK)

    return check


def _eos_verdict(ctx: CheckContext) -> Verdict:
    """:func:`eos_rules`' verdict on the rules themselves."""
    problem = _tokens_problem(ctx)
    if problem:
        return problem
    eos = settings_of(ctx.invocation)["eos"]
    prompt, max_new = ctx.invocation.args[0], ctx.invocation.args[1]
    generated = ctx.candidate.value[:, prompt.shape[1]:]  # (B, steps)
    steps = generated.shape[1]
    is_eos = generated == eos
    finished_at = []
    for row in range(generated.shape[0]):
        hits = is_eos[row].nonzero()
        if len(hits) == 0:
            finished_at.append(None)
            continue
        first = int(hits[0])
        if not bool(is_eos[row, first:].all()):
            return Verdict(False, EOS_NOT_STICKY.format(row=row), hint=HINT_EOS_STICKY,
                           suggests=("gen.eos_not_sticky",))
        finished_at.append(first)
    if all(f is not None for f in finished_at):
        if steps != max(finished_at) + 1:
            return Verdict(False, EOS_WENT_ON.format(finished=max(finished_at) + 1, steps=steps),
                           hint=HINT_EOS_STOP)
    elif counted_in := _prompt_counted_in(ctx.candidate.value, prompt, max_new):
        return counted_in
    elif steps != max_new:
        return Verdict(False, EOS_STOPPED_EARLY.format(steps=steps, max_new=max_new),
                       hint=HINT_EOS_NOT_EARLY)
    return Verdict(True, EOS_OK)


def _filter_hint(logits: torch.Tensor, settings: dict, tokens: torch.Tensor) -> Text:
    """The hint for tokens outside the support: about top-k when top-k alone removes them."""
    if settings["top_k"] is not None and settings["temperature"] != 0:
        kept = keep_top_k(logits.double() / settings["temperature"], settings["top_k"],
                          slack=SUPPORT_SLACK) > float("-inf")  # (B, V)
        if not bool(kept.gather(-1, tokens.unsqueeze(-1)).all()):
            return HINT_TOP_K
    return HINT_FILTERS


def in_support() -> Check:
    """Every generated token has positive probability given the row's own prefix."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        settings = settings_of(ctx.invocation)
        spec, ids = ctx.invocation.model, ctx.candidate.value
        block_size = int(spec["block_size"])
        T0 = ctx.invocation.args[0].shape[1]
        finished = torch.zeros(ids.shape[0], dtype=torch.bool)
        for position in range(T0, ids.shape[1]):
            logits, probs = next_distribution(spec, ids[:, max(0, position - block_size):position], settings,
                                              slack=SUPPORT_SLACK)
            token = ids[:, position]
            allowed = probs.gather(-1, token.unsqueeze(-1))[:, 0] > 0
            bad = ~(allowed | finished)
            if bool(bad.any()):
                row = int(bad.nonzero()[0])
                return Verdict(False, OUTSIDE_SUPPORT.format(row=row, step=position - T0 + 1,
                                                             token=int(token[row]),
                                                             count=int(bad.sum())),
                               hint=_filter_hint(logits[bad], settings, token[bad]))
            if settings["eos"] is not None:
                finished |= token == settings["eos"]
        return Verdict(True, IN_SUPPORT)

    return check


def chi_square(*, p_value: float = P_VALUE) -> Check:
    """The first generated token of identical prompts follows the expected distribution."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        settings = settings_of(ctx.invocation)
        prompt = ctx.invocation.args[0]
        if ctx.candidate.value.shape[1] <= prompt.shape[1]:
            return Verdict(False, NOTHING_GENERATED, hint=HINT_ONE_TOKEN)
        logits, probs = next_distribution(ctx.invocation.model, prompt[:1], settings)
        expected = probs[0]  # (V,)
        tokens = ctx.candidate.value[:, prompt.shape[1]]
        counts = torch.bincount(tokens, minlength=expected.shape[0]).double()
        n = float(counts.sum())
        support = expected > 0
        outside = int(counts[~support].sum())
        if outside:
            strays = tokens[~support[tokens]]
            return Verdict(False, DRAWS_OUTSIDE.format(outside=outside, n=int(n)),
                           hint=_filter_hint(logits.expand(len(strays), -1), settings, strays))
        k = int(support.sum())
        if k == 1:
            return Verdict(True, SINGLE_TOKEN)
        want = n * expected[support]
        statistic = float(((counts[support] - want) ** 2 / want).sum())
        p = float(torch.special.gammaincc(torch.tensor((k - 1) / 2, dtype=torch.float64),
                                          torch.tensor(statistic / 2, dtype=torch.float64)))
        if p < p_value:
            gap = counts - n * expected
            worst = int(gap.abs().argmax())
            return Verdict(False, DISTRIBUTION_OFF.format(
                statistic=f"{statistic:.1f}", df=k - 1, p=f"= {p:.1e}" if p >= 1e-300 else "< 1e-300", token=worst,
                how=TOO_OFTEN if float(gap[worst]) > 0 else TOO_RARELY,
                share=f"{float(counts[worst] / n):.1%}", n=int(n)))
        return Verdict(True, DISTRIBUTION_OK.format(statistic=f"{statistic:.1f}", df=k - 1,
                                                    p=f"{p:.2f}"))

    return check


def same_draws_as_reference(*, fraction: float = SAME_ROWS) -> Check:
    """Under one generator seed the samples are those of the reference."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        got, want = ctx.candidate.value, ctx.expected.value
        if got.shape != want.shape:
            return Verdict(False, SEED_SHAPE.format(want=_shape(want), got=_shape(got)))
        same = float((got == want).all(-1).double().mean())
        if same < fraction:
            return Verdict(False, SEED_DRAWS.format(share=f"{same:.0%}"))
        return Verdict(True, SEED_OK)

    return check


def similar_draws(t0: int, fraction: float = SIMILAR):
    """Diagnosis: two outcomes agree when most rows generated exactly the same tokens.

    A submission that makes a catalogued mistake reproduces that variant's draws
    exactly, while each mistake changes at least 10% of the rows in the cases it
    fails (measured at several seeds).
    """

    def similar(a: Outcome, b: Outcome) -> bool:
        if a.error or b.error:
            return False
        x, y = a.value, b.value
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor) or x.shape != y.shape:
            return False
        if x.shape[1] <= t0:
            return bool(torch.equal(x, y))
        return float((x[:, t0:] == y[:, t0:]).all(-1).double().mean()) >= fraction

    return similar
