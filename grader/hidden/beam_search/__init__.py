"""Hidden cases for beam_search (problem 14).

Beam search is deterministic, so every case compares each row's winner with
the reference token for token, and its final score with the tolerance of the
logits' dtype (:mod:`.checks`). The toy models are tables of logits hashed from
the whole visible context (:mod:`grader.sandbox.toy_models`); each case draws
them until no decision comes within 1e-3 of a tie and the case shows what it is
about (:mod:`.models`): hypotheses finishing at several steps, rows stopping at
different steps, early stops whose live beams compete, winners padded with
eos, and the misconceptions the case is meant to expose changing the result.

How the model is called is free (one call per step over every live beam is
the efficient way, one call per beam is allowed), but the model must never see
more than ``block_size`` tokens, and it runs under ``torch.no_grad()``.
"""

from __future__ import annotations

from functools import partial

import torch

from grader.cases import Case, generate_call
from grader.checks import all_of, property_then, raises
from grader.hidden.beam_search import models as M
from grader.hidden.beam_search.checks import (exhaustive_optimum, model_calls, similar_winners,
                                             winners)
from grader.i18n import t

SYMBOL = "beam_search"
EOS = M.EOS

DUPLICATE_START = "beam.duplicate_start"
NO_LENGTH_PENALTY = "beam.no_length_penalty"
KEEP_EXPANDING = "beam.finished_keep_expanding"
PROBABILITIES_ADDED = "beam.probabilities_added"
TOP1_PER_BEAM = "beam.top1_per_beam"
EVERY_STEP_MISTAKE = (DUPLICATE_START, PROBABILITIES_ADDED, TOP1_PER_BEAM)

SAME_F64 = partial(similar_winners, dtype=torch.float64)
SAME_F32 = partial(similar_winners, dtype=torch.float32)


def _search(model, prompt, max_new_tokens, num_beams, **options):
    return generate_call(SYMBOL, model, prompt, max_new_tokens, num_beams, **options)


def _drawn(make, **wanted):
    """A case's ``make``: draws ``make(rng)`` until the inputs suit the case (models.draw)."""
    return partial(M.draw, make=make, **wanted)


# ----------------------------------------------------------------------------- inputs

def _no_eos(rng):
    return _search(M.context_model(rng), M.prompt(rng, 2, 3), 4, 3)


def _not_greedy(rng):
    return _search(M.context_model(rng), M.prompt(rng, 3, 2), 5, 3)


def _eos(rng, *, batch=3, steps=6, beams=3, length_penalty=1.0, eos_bias=0.5, dtype="float64"):
    model = M.context_model(rng, eos_bias=eos_bias, dtype=dtype)
    return _search(model, M.prompt(rng, batch, 2), steps, beams, eos_token_id=EOS,
                   length_penalty=length_penalty)


def _exhaustive(rng):
    vocab, steps = 3, 3
    model = M.context_model(rng, vocab=vocab, scale=1.0)
    return _search(model, M.prompt(rng, 2, 2, vocab=vocab), steps, vocab ** steps)


def _zero_steps(rng):
    return _search(M.context_model(rng), M.prompt(rng, 2, 3), 0, 3, eos_token_id=EOS)


def _eos_in_prompt(rng):
    prompt = M.prompt(rng, 3, 3)
    prompt[0, 1] = EOS  # inside
    prompt[1, 2] = EOS  # last: the model continues from it
    prompt[2, 0] = EOS  # first
    return _search(M.context_model(rng), prompt, 5, 2, eos_token_id=EOS)


def _crop(rng):
    return _search(M.context_model(rng, block_size=4), M.prompt(rng, 2, 3), 5, 2)


def _long_prompt(rng):
    return _search(M.context_model(rng, block_size=3), M.prompt(rng, 2, 6), 3, 3,
                   eos_token_id=EOS)


def _no_grad(rng):
    return _search(M.context_model(rng), M.prompt(rng, 2, 2), 3, 2, eos_token_id=EOS)


def _bad_num_beams(rng):
    return _search(M.context_model(rng), M.prompt(rng, 2, 2), 3, 0)


def _bad_max_new_tokens(rng):
    return _search(M.context_model(rng), M.prompt(rng, 2, 2), -1, 2)


def _few_candidates(rng):
    # V = 4 and 6 beams: step 1 has 4 candidates, the best of them eos, so 3 live beams.
    # Placeholder beams would add finished hypotheses at once and stop the row too early.
    prompt = M.prompt(rng, 2, 2, vocab=4)
    model = M.eos_after(M.context_model(rng, vocab=4), prompt, margin=0.3)
    return _search(model, prompt, 4, 6, eos_token_id=EOS, length_penalty=2.0)


def _one_beam(rng):
    return _eos(rng, beams=1, steps=6)


# ----------------------------------------------------------------------------- cases

def _case(number, name, points, make, *, check=None, dtype=torch.float64, **options):
    return Case(number, name, points, make, check=check or winners(),
                similar=SAME_F32 if dtype == torch.float32 else SAME_F64, **options)


CASES = [
    _case("14.1", t("two rows, three beams, no eos", "两行、三个束、没有 eos"), 1.0,
          _drawn(_no_eos, wrong=EVERY_STEP_MISTAKE + (NO_LENGTH_PENALTY,)), tags=("search",),
          hint=t("Extend every live beam by every token, score each candidate by its summed "
                 "log-probabilities, and keep the num_beams best.",
                 "用每个词元扩展每个活跃的束，以对数概率之和给每个候选打分，保留最好的 num_beams 个。")),
    _case("14.2", t("not greedy: all candidates are ranked together", "不是贪心：所有候选放在一起排序"),
          1.0, _drawn(_not_greedy, wrong_winner=(DUPLICATE_START, TOP1_PER_BEAM),
                      apart=((DUPLICATE_START, TOP1_PER_BEAM),)), tags=("search",),
          hint=t("Rank all num_beams × V candidates together: a beam may contribute several of "
                 "the next beams, or none.",
                 "把 num_beams × V 个候选放在一起排序：一个束可能贡献下一步的多个束，也可能一个都没有。")),
    _case("14.3", t("eos: hypotheses finish at different steps in different rows",
                    "eos：假设在不同的行、不同的步结束"), 1.0,
          _drawn(_eos, require=(M.finishes_at_several_steps,), wrong=(KEEP_EXPANDING,)),
          tags=("eos",),
          hint=t("An eos candidate among the top num_beams is finished: keep it aside, never "
                 "extend it, and fill the live beams with the best candidates that do not end in eos.",
                 "排在前 num_beams 名的 eos 候选就结束了：把它放到一边，不再扩展；活跃的束由不以 eos "
                 "结尾的最好候选补足。")),
    _case("14.4", t("length_penalty = 0: raw scores decide", "length_penalty = 0：由原始分数决定"),
          1.0, _drawn(partial(_eos, length_penalty=0.0),
                      require=(M.finished_winner, M.winners_differ_in_length)),
          tags=("length-penalty", "eos"),
          hint=t("n ** 0 = 1: with length_penalty 0 the final score is the summed log-probability.",
                 "n ** 0 = 1：length_penalty 为 0 时，最终分数就是对数概率之和。")),
    _case("14.5", t("length_penalty = 2 favours longer hypotheses", "length_penalty = 2 偏向更长的假设"),
          1.0, _drawn(partial(_eos, length_penalty=2.0), wrong_winner=(NO_LENGTH_PENALTY,)),
          tags=("length-penalty", "eos"),
          hint=t("Compare hypotheses of different lengths by s / n ** length_penalty, n counting "
                 "the generated tokens (eos included), not the prompt.",
                 "不同长度的假设按 s / n ** length_penalty 比较，n 是生成的词元数（包括 eos），"
                 "不含提示词。")),
    _case("14.6", t("length_penalty = 1: the average log-probability picks the winner",
                    "length_penalty = 1：由平均对数概率选出获胜假设"), 1.0,
          _drawn(_eos, wrong_winner=(NO_LENGTH_PENALTY,)), tags=("length-penalty", "eos"),
          hint=t("Raw sums favour short hypotheses (every token adds a negative term); rank "
                 "the finished ones by their length-penalised score, and report that score.",
                 "原始的和偏向短的假设（每个词元都加上一个负数）；已结束的假设要按长度惩罚后的分数"
                 "排序，并返回这个分数。")),
    _case("14.7", t("rows stop at different steps", "各行在不同的步停止"), 1.0,
          _drawn(partial(_eos, beams=2, steps=7), require=(M.rows_stop_apart,)),
          tags=("eos", "batch"),
          hint=t("Search each row on its own: one row's finished hypotheses never stop another row.",
                 "每一行单独搜索：一行结束的假设不会让另一行停止。")),
    _case("14.8", t("early stop once num_beams hypotheses are finished",
                    "已结束的假设达到 num_beams 个时提前停止"), 1.0,
          _drawn(partial(_eos, batch=2, beams=2, steps=8, eos_bias=1.0),
                 require=(M.stops_early,), wrong=(KEEP_EXPANDING,)), tags=("eos",),
          hint=t("Stop a row at the step where its finished set reaches num_beams hypotheses.",
                 "在一行的已结束假设达到 num_beams 个的那一步停止这一行。")),
    _case("14.9", t("at an early stop the live beams compete too", "提前停止时活跃的束也参与比较"),
          1.0, _drawn(partial(_eos, beams=2, steps=8, length_penalty=2.0, eos_bias=1.0),
                      require=(M.live_beam_wins_early_stop,)), tags=("eos",),
          hint=t("When a row stops, the live beams selected at that step are hypotheses too: "
                 "score them with s / n ** length_penalty like the finished ones.",
                 "一行停止时，这一步选出的活跃束也是假设：和已结束的假设一样用 "
                 "s / n ** length_penalty 打分。")),
    _case("14.10", t("after max_new_tokens a live beam can beat the finished ones",
                     "达到 max_new_tokens 之后，活跃的束可能胜过已结束的假设"), 1.0,
          _drawn(partial(_eos, steps=4, length_penalty=2.0),
                 require=(M.live_beam_wins_last_step,)), tags=("eos",),
          hint=t("At the last step the finished hypotheses and the live beams compete together.",
                 "最后一步时，已结束的假设和活跃的束一起比较。")),
    _case("14.11", t("shorter winners are padded with eos", "较短的获胜假设用 eos 填充"), 1.0,
          _drawn(_eos, require=(M.winners_differ_in_length,)), tags=("eos", "shapes"),
          hint=t("Return (B, T0 + n_max) ids, n_max the longest winner's length; fill the rest "
                 "of a shorter row with eos_token_id.",
                 "返回 (B, T0 + n_max) 的 id，n_max 是最长的获胜假设的长度；较短的行其余位置填 "
                 "eos_token_id。")),
    _case("14.12", t("num_beams >= V ** max_new_tokens finds the exhaustive optimum",
                     "num_beams >= V ** max_new_tokens 时得到穷举最优解"), 1.0,
          _drawn(_exhaustive, wrong=EVERY_STEP_MISTAKE),
          check=all_of(winners(), exhaustive_optimum()), tags=("search",),
          hint=t("With that many beams no candidate is ever dropped, so the winner is the most "
                 "likely continuation of all.",
                 "束这么多时没有候选会被丢弃，获胜假设就是所有续写中概率最大的那个。")),
    _case("14.13", t("max_new_tokens = 0 returns the prompt and zero scores",
                     "max_new_tokens = 0 时返回提示词和全零分数"), 0.5, _zero_steps,
          tags=("shapes",),
          hint=t("Nothing is generated: sequences is the prompt, scores are float64 zeros.",
                 "什么也不生成：sequences 就是提示词，scores 是 float64 的零。")),
    _case("14.14", t("float32 logits (scores still float64)", "float32 的 logits（分数仍是 float64）"),
          1.0, _drawn(partial(_eos, dtype="float32"), wrong=EVERY_STEP_MISTAKE),
          dtype=torch.float32, tags=("dtype", "eos"),
          hint=t("Take log_softmax of logits.double(): scores are float64 whatever the logits' dtype.",
                 "对 logits.double() 取 log_softmax：不论 logits 是什么 dtype，分数都是 float64。")),
    _case("14.15", t("an eos inside the prompt does not count", "提示词中的 eos 不算数"), 1.0,
          _drawn(_eos_in_prompt, require=(M.every_winner_goes_on,)), tags=("eos",),
          hint=t("Only generated tokens finish a hypothesis; n counts generated tokens only.",
                 "只有生成的词元才会让假设结束；n 只计算生成的词元。")),
    _case("14.16", t("each beam's context is cropped to block_size", "每个束的上下文裁剪到 block_size"),
          1.0, _drawn(_crop), check=property_then(model_calls(crop=True), winners()),
          tags=("context",),
          hint=t("Feed the model beams[:, -model.block_size:], never more.",
                 "送入模型的是 beams[:, -model.block_size:]，绝不能更多。")),
    _case("14.17", t("prompt longer than block_size", "提示词比 block_size 长"), 0.5,
          _drawn(_long_prompt), check=property_then(model_calls(crop=True), winners()),
          tags=("context",),
          hint=t("Crop before the very first call too.", "第一次调用之前也要裁剪。")),
    _case("14.18", t("the model runs under torch.no_grad()", "模型在 torch.no_grad() 下运行"), 0.5,
          _drawn(_no_grad), check=property_then(model_calls(no_grad=True), winners()), tags=("loop",),
          hint=t("Wrap the search in `with torch.no_grad():`.", "把搜索放在 `with torch.no_grad():` 中。")),
    _case("14.19", t("num_beams < 1 raises ValueError", "num_beams < 1 时抛出 ValueError"), 0.5,
          _bad_num_beams, check=raises("ValueError", why=t("num_beams = 0", "num_beams = 0")),
          tags=("errors",),
          hint=t("Check the arguments before searching.", "搜索之前先检查参数。")),
    _case("14.20", t("max_new_tokens < 0 raises ValueError", "max_new_tokens < 0 时抛出 ValueError"),
          0.5, _bad_max_new_tokens,
          check=raises("ValueError", why=t("max_new_tokens = -1", "max_new_tokens = -1")),
          tags=("errors",),
          hint=t("Check the arguments before searching.", "搜索之前先检查参数。")),
    _case("14.21", t("fewer live beams than num_beams: no dummy beams",
                     "活跃的束少于 num_beams 个：不补假的束"), 1.0,
          _drawn(_few_candidates, also_wrong=(M.DUMMY_BEAMS,)), tags=("eos", "search"),
          hint=t("When fewer than num_beams candidates do not end in eos, keep only those: "
                 "placeholder beams (copies, or beams scored -1e9) are ranked too, and their eos "
                 "candidates fill the finished set and stop the row too early.",
                 "不以 eos 结尾的候选少于 num_beams 个时，只保留它们：占位的束（副本，或分数为 -1e9 "
                 "的束）也会参与排序，它们的 eos 候选会填满已结束的集合，让这一行过早停止。")),
    _case("14.22", t("num_beams = 1 is greedy search with eos", "num_beams = 1 就是带 eos 的贪心搜索"),
          0.5, _drawn(_one_beam, require=(M.finished_winner,)), tags=("search", "eos"),
          hint=t("One beam: take the best token each step; stop when it is eos.",
                 "一个束：每一步取最好的词元；是 eos 时停止。")),
]
