"""The hidden cases of text_generation (problem 6): invocations and the case table.

Greedy decoding is deterministic, so it is compared with the reference token
for token. Sampling cases draw thousands of times from one designed
distribution in a single call (a large batch of identical prompts and
``max_new_tokens=1``): every expected count is at least 50, so the chi-square
approximation holds, and a solution that samples from the right distribution
fails a case with probability about 1e-6; one that draws exactly as the
contract says makes the reference's very draws, which pass at every seed the
project tests. The critical values are about 24 (one degree of freedom) to 41
(seven); the catalogued mistakes score chi-square statistics in the hundreds
or thousands. Under one generator seed a correct but differently ordered
softmax flips a draw with probability about 1e-7, well inside the 99% of rows
the determinism check asks for.

Invalid arguments (``temperature < 0``, ``top_k < 1``, ``top_p`` outside
(0, 1]) are not tested: problems.md gives the valid ranges but no behaviour
outside them, so a ValueError is recommended, not required.
"""

from __future__ import annotations

import torch

from grader.cases import Case, generate_call
from grader.checks import all_of, batch_independent, match_reference, property_then
from grader.hidden.text_generation.checks import (all_new_tokens, chi_square, eos_rules, in_support, loop_stats,
                                                  same_draws_as_reference, similar_draws,
                                                  tokens_valid)
from grader.hidden.text_generation.models import (EOS, V, chain_model, chains, context_model,
                                                  designed, prompt, sampling_setup, tied_model)
from grader.i18n import t

SYMBOL = "generate"


def _greedy(rng):
    model = context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 3, 4), 6, temperature=0.0)


def _greedy_ties(rng):
    model = tied_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 4, 2), 7, temperature=0.0)


def _greedy_ignores_filters(rng):
    model = context_model(rng, block_size=16)
    model["dtype"] = "float64"
    return generate_call(SYMBOL, model, prompt(rng, 2, 3), 5, temperature=0.0, top_k=2,
                         top_p=0.3, generator_seed=5)


def _crop(rng):
    model = context_model(rng, block_size=5)
    return generate_call(SYMBOL, model, prompt(rng, 2, 3), 8, temperature=0.0)


def _long_prompt(rng):
    model = context_model(rng, block_size=4)
    return generate_call(SYMBOL, model, prompt(rng, 3, 9), 4, temperature=0.0)


def _one_call(rng):
    model = context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 5, 2), 6, temperature=0.0)


def _no_grad(rng):
    model = context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 2, 2), 3, temperature=0.0)


def _eos_stop(rng):
    order, successor = chains(rng)
    model = chain_model(rng, successor)
    # order[-1] reaches eos in 1 step, order[-3] in 3, order[-5] in 5.
    ids = torch.tensor([[order[-3]], [order[-1]], [order[-5]]])
    return generate_call(SYMBOL, model, ids, 9, temperature=0.0, eos_token_id=EOS)


def _eos_in_prompt(rng):
    order, successor = chains(rng)
    successor[order[3]] = order[1]  # order[1..3] now cycle: those rows never finish
    model = chain_model(rng, successor)
    ids = torch.tensor([[order[-2], EOS], [order[5], order[1]], [EOS, order[-3]]])
    return generate_call(SYMBOL, model, ids, 7, temperature=0.0, eos_token_id=EOS)


def _batch_independence(rng):
    order, successor = chains(rng)
    model = chain_model(rng, successor)
    a, b = order[1], order[-2]  # row 1 finishes early; rows 0 and 2 must not notice
    return generate_call(SYMBOL, model, torch.tensor([[a, a], [b, b], [a, a]]), 6,
                         temperature=0.0, eos_token_id=EOS)


def _finished_rows_fed(rng):
    order, successor = chains(rng)
    model = chain_model(rng, successor)
    # Rows finish after 2, 4, 1 and 6 steps: a loop that feeds the model only the rows still
    # going calls it with batches of 4, 3, 2, 2, 1 and 1.
    ids = torch.tensor([[order[-2]], [order[-4]], [order[-1]], [order[-6]]])
    return generate_call(SYMBOL, model, ids, 8, temperature=0.0, eos_token_id=EOS)


def _temperature(rng):
    logits = designed(rng, [0.45, 0.2, 0.12, 0.08, 0.06, 0.05, 0.02, 0.02], temperature=0.5)
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, temperature=0.5, generator_seed=11)


def _top_k_ties(rng):
    # k = 3 and the 3rd and 4th logits are tied: four tokens stay.
    logits = designed(rng, [0.3, 0.22, 0.16, 0.16, 0.07, 0.05, 0.03, 0.01], ties=[(2, 3)])
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, top_k=3, generator_seed=12)


def _top_k_whole_vocab(rng):
    logits = designed(rng, [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03], temperature=1.7)
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, temperature=1.7, top_k=V + 3, generator_seed=13)


def _top_p_boundary(rng):
    # Running totals 0.35, 0.6, 0.8, ...: with top_p = 0.75 the third token crosses and stays.
    logits = designed(rng, [0.35, 0.25, 0.2, 0.08, 0.05, 0.04, 0.02, 0.01])
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, top_p=0.75, generator_seed=14)


def _top_p_ties(rng):
    # Running totals 0.3, 0.5, 0.7, 0.9: top_p = 0.45 is crossed by the second token, and
    # the third and fourth are tied with it, so four tokens stay.
    logits = designed(rng, [0.3, 0.2, 0.2, 0.2, 0.04, 0.03, 0.02, 0.01], ties=[(1, 2, 3)])
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, top_p=0.45, generator_seed=15)


def _top_p_one(rng):
    logits = designed(rng, [0.3, 0.2, 0.15, 0.12, 0.1, 0.07, 0.04, 0.02], temperature=0.5)
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, temperature=0.5, top_p=1.0, generator_seed=16)


def _top_k_then_top_p(rng):
    # After temperature 0.7 and top_k = 4 the renormalised probabilities are
    # 0.4, 0.3, 0.2, 0.1 (running totals 0.4, 0.7, 0.9): top_p = 0.6 keeps two.
    # Before renormalising (running totals 0.32, 0.56, 0.72) it would keep three.
    # Without the temperature (as when it divides the probabilities, which the
    # draw renormalises away) top_k leaves 0.355, 0.291, 0.219, 0.135 (running
    # totals 0.355, 0.646): two kept, drawn almost as the reference draws them,
    # so this test tells the order of the filters only, not the temperature's.
    logits = designed(rng, [0.32, 0.24, 0.16, 0.08, 0.07, 0.06, 0.04, 0.03], temperature=0.7)
    model, ids = sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, ids, 1, temperature=0.7, top_k=4, top_p=0.6,
                         generator_seed=17)


def _tiny_top_p(rng):
    model = context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 3, 3), 6, temperature=1.3, top_p=0.01,
                         generator_seed=18)


def _seeded(rng):
    model = context_model(rng, block_size=6)
    return generate_call(SYMBOL, model, prompt(rng, 48, 2), 8, temperature=0.6, top_k=6,
                         top_p=0.9, eos_token_id=int(torch.randint(0, V, (1,), generator=rng)),
                         generator_seed=19)


def _zero_steps(rng):
    model = context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, prompt(rng, 2, 3), 0, temperature=0.0)


SAMPLED = ("sampling",)
_distribution = all_of(in_support(), chi_square())
_greedy_check = all_of(all_new_tokens(), match_reference())

CASES = [
    Case("6.1", t("greedy decoding, batch of 3", "贪心解码，批大小为 3"), 1.0, _greedy,
         check=_greedy_check, tags=("greedy",),
         hint=t("temperature == 0 means argmax of the last position's logits at every step.",
                "temperature == 0 表示每一步都取最后一个位置 logits 的 argmax。")),
    Case("6.2", t("greedy ties: the first index wins", "贪心遇到并列：取第一个下标"), 1.0,
         _greedy_ties, check=_greedy_check, tags=("greedy",),
         hint=t("torch.argmax returns the first of several equal maxima; keep that choice.",
                "torch.argmax 在多个相等的最大值中返回第一个；保留这个选择。")),
    Case("6.3", t("greedy ignores top_k and top_p (float64 logits)",
                  "贪心解码忽略 top_k 和 top_p（float64 的 logits）"), 0.5,
         _greedy_ignores_filters, check=_greedy_check, tags=("greedy", "dtype"),
         hint=t("With temperature 0 there is nothing to sample: take the argmax.",
                "温度为 0 时没有什么可抽样的：直接取 argmax。")),
    Case("6.4", t("context cropped to block_size", "上下文裁剪到 block_size"), 1.0, _crop,
         check=property_then(loop_stats(crop=True), match_reference()), tags=("context",),
         hint=t("Feed the model ids[:, -model.block_size:], never more.",
                "送进模型的是 ids[:, -model.block_size:]，绝不能更多。")),
    Case("6.5", t("prompt longer than block_size", "提示词比 block_size 更长"), 1.0, _long_prompt,
         check=property_then(loop_stats(crop=True), match_reference()), tags=("context",),
         hint=t("Crop before the very first call too.", "第一次调用之前也要裁剪。")),
    Case("6.6", t("one model call per step for the whole batch", "每一步对整个批只调用一次模型"),
         0.5, _one_call, check=property_then(loop_stats(one_call=True), match_reference()),
         tags=("loop",),
         hint=t("Call model(ids) once per step on all sequences together, and no other time.",
                "每一步对所有序列一起调用一次 model(ids)，除此之外不要再调用。")),
    Case("6.7", t("the model runs under torch.no_grad()", "模型在 torch.no_grad() 之下运行"), 0.5,
         _no_grad, check=property_then(loop_stats(no_grad=True), match_reference()), tags=("loop",),
         hint=t("Wrap the decoding loop in `with torch.no_grad():`.",
                "把解码循环放在 `with torch.no_grad():` 之下。")),
    Case("6.8", t("eos: finished rows repeat eos, decoding stops when all are done",
                  "eos：已结束的行重复输出 eos，所有行都结束时停止解码"), 1.0, _eos_stop,
         check=property_then(eos_rules(), match_reference()), tags=("eos",),
         hint=t("Keep a per-row 'finished' flag; replace a finished row's token by eos.",
                "为每一行维护一个 finished 标志；把已结束的行的词元替换为 eos。")),
    Case("6.9", t("eos in the prompt does not count; unfinished rows run to max_new_tokens",
                  "提示词中的 eos 不算；尚未结束的行一直生成到 max_new_tokens"), 1.0,
         _eos_in_prompt, check=property_then(eos_rules(), match_reference()), tags=("eos",),
         hint=t("Only generated tokens finish a sequence.", "只有生成出来的词元才能结束一个序列。")),
    Case("6.10", t("batch elements are independent", "批中各元素相互独立"), 0.5,
         _batch_independence,
         check=batch_independent(),
         tags=("invariant", "eos")),
    Case("6.11", t("temperature 0.5: distribution of 4000 draws", "温度 0.5：4000 次抽样的分布"),
         1.5, _temperature, check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("Divide the logits (not the probabilities) by the temperature before the softmax.",
                "在 softmax 之前用温度去除 logits（而不是概率）。")),
    Case("6.12", t("top_k with a tie at the k-th logit", "第 k 大的 logit 有并列时的 top_k"), 1.5,
         _top_k_ties, check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("Keep every logit >= the k-th largest one: ties with it stay.",
                "保留所有 >= 第 k 大值的 logits：与它并列的也保留。")),
    Case("6.13", t("top_k larger than the vocabulary, temperature 1.7",
                   "top_k 大于词表大小，温度 1.7"), 1.0, _top_k_whole_vocab,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("top_k >= V removes nothing (torch.topk needs k <= V).",
                "top_k >= V 时什么也不去掉（torch.topk 要求 k <= V）。")),
    Case("6.14", t("top_p: the token that crosses top_p is kept", "top_p：越过 top_p 的那个词元要保留"),
         1.5, _top_p_boundary, check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("Keep the smallest set of most likely tokens whose probabilities sum to at least "
                "top_p.",
                "保留概率之和至少为 top_p 的最小的一组最可能的词元。")),
    Case("6.15", t("top_p: tokens tied with the last kept one are kept",
                   "top_p：与最后保留的词元并列的词元也要保留"), 1.0, _top_p_ties,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("Find the probability of the last token you need, then keep every token at least "
                "that likely.",
                "先求出所需的最后一个词元的概率，再保留所有概率不小于它的词元。")),
    Case("6.16", t("top_p = 1 keeps every token, temperature 0.5", "top_p = 1 保留所有词元，温度 0.5"),
         1.0, _top_p_one, check=_distribution, similar=similar_draws(3), tags=SAMPLED),
    Case("6.17", t("top_k, then top_p on the renormalised probabilities",
                   "先 top_k，再在重新归一化的概率上做 top_p"), 1.5, _top_k_then_top_p,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint=t("Order: temperature, top_k, then top_p on the softmax of what top_k left.",
                "顺序是：温度，top_k，然后在 top_k 留下部分的 softmax 上做 top_p。")),
    Case("6.18", t("a tiny top_p still keeps the most likely token", "很小的 top_p 也会保留最可能的词元"),
         1.0, _tiny_top_p, check=all_of(tokens_valid(), match_reference()), tags=SAMPLED,
         hint=t("Never keep fewer than one token: the one that crosses top_p always stays.",
                "至少保留一个词元：越过 top_p 的那个词元总是保留。")),
    Case("6.19", t("same generator seed, same samples (with eos and cropping)",
                   "相同的生成器种子，相同的样本（含 eos 和裁剪）"), 1.5, _seeded,
         check=all_of(loop_stats(crop=True), eos_rules(), in_support(), same_draws_as_reference()),
         similar=similar_draws(2), tags=SAMPLED + ("eos", "context"),
         hint=t("Draw with torch.multinomial(probs, 1, generator=generator), once per step, on the "
                "(B, V) probabilities.",
                "每一步在 (B, V) 概率上调用一次 torch.multinomial(probs, 1, generator=generator) 抽样。")),
    Case("6.20", t("max_new_tokens = 0 returns the prompt", "max_new_tokens = 0 时返回提示词本身"), 0.5,
         _zero_steps, check=all_of(tokens_valid(), match_reference()), tags=("shapes",)),
    Case("6.21", t("rows that generated eos still go to the model: one call per step for the whole batch",
                   "已生成 eos 的行仍然送进模型：每一步对整个批只调用一次模型"), 0.5, _finished_rows_fed,
         check=property_then(all_of(loop_stats(one_call=True), eos_rules()), match_reference()),
         tags=("loop", "eos"),
         hint=t("Call model(ids) on every row at every step, finished or not; a finished row's new "
                "token is then replaced by eos.",
                "每一步都对所有行调用 model(ids)，无论是否已结束；已结束的行的新词元随后替换为 eos。")),
]
