"""Hidden cases for shared_qk_attention (problem 4).

Two cases (4.18, 4.19) put every allowed score at -1e4 or below next to blocked
keys: the query itself under exclude_self, and keys the mask blocks. Queries and
keys are the same vectors, so such scores come from tokens of opposite signs
(see :func:`_opposite_signs`).
"""

import math

import torch

from grader.cases import Case, call
from grader.checks import (CheckContext, Verdict, all_finite, all_of, batch_independent, compare_tensors,
                           describe, inputs_left_unchanged, match_reference)
from grader.hidden._inputs import causal_mask, randint_float, randn, random_mask
from grader.hidden._large_scores import scores_below_minus_1e4
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "shared_qk_attention"
PERM = [3, 0, 4, 1, 2]  # token order of batch element 1 in the permutation case

EQUIVARIANCE = t("permutation equivariance", "置换等变性")
EQUIVARIANCE_NEEDS = t("{property}: expected a (B, L, Dv) tensor, got {got}",
                       "{property}：应为形状 (B, L, Dv) 的张量，实际得到{got}")
EQUIVARIANCE_OUTPUT = t("{property} (output of the reordered tokens)", "{property}（重排后词元的输出）")
EQUIVARIANCE_HOLDS = t("{property}: holds", "{property}：成立")


def _xw(rng, batch, length, d, d_k, d_v, dtype=F32):
    # Weights scaled by 1/sqrt(D) so that Q = x @ w_qk is unit-scale and the softmax
    # does not saturate: a wrong scale or a missing exclusion changes the answer.
    return (randn(rng, batch, length, d, dtype=dtype),
            randn(rng, d, d_k, dtype=dtype, scale=1 / math.sqrt(d)),
            randn(rng, d, d_v, dtype=dtype, scale=1 / math.sqrt(d)))


def _only_self_rows(rng, batch, length, count):
    """(B, L, L) random mask in which ``count`` rows allow the query itself and nothing else."""
    mask = random_mask(rng, batch, length, length)
    rows = torch.randperm(length, generator=rng)[:count]
    mask[:, rows] = False
    mask[:, rows, rows] = True
    return mask


def _permuted_rows_agree(ctx: CheckContext) -> Verdict:
    """Batch element 1 holds the tokens of element 0 in the order PERM: so must the output."""
    output = ctx.candidate.value
    if not isinstance(output, torch.Tensor) or output.dim() != 3 or output.shape[0] < 2:
        return Verdict(False, EQUIVARIANCE_NEEDS.format(property=EQUIVARIANCE, got=describe(output)))
    verdict = compare_tensors(output[1], output[0][PERM].detach(),
                              what=EQUIVARIANCE_OUTPUT.format(property=EQUIVARIANCE))
    if not verdict.passed:
        return Verdict(False, verdict.message)
    return Verdict(True, EQUIVARIANCE_HOLDS.format(property=EQUIVARIANCE))


def _opposite_signs(rng, positive):
    """x (B, L, 2) and w_qk (2, 1), w_v (2, 3) in float64, from a (B, L) bool tensor.

    Q = K = x[..., 0] is 100 for a positive token and -102, -101 or -100 otherwise
    (Dk = 1, so no scale): tokens of opposite signs score each other at most -1e4,
    tokens of the same sign, and each token with itself, at least 1e4.
    """
    batch, length = positive.shape
    q, k = scores_below_minus_1e4(rng, batch, lq=length, lk=length, dtype=F64)  # (B, L, 1)
    x = torch.cat([torch.where(positive.unsqueeze(-1), q, k),
                   randint_float(rng, -3, 4, batch, length, 1, dtype=F64)], dim=-1)
    w_qk = torch.tensor([[1.0], [0.0]], dtype=F64)
    return x, w_qk, randn(rng, 2, 3, dtype=F64, scale=0.1)


def _basic(rng):
    return call(SYMBOL, *_xw(rng, 2, 5, 6, 4, 3))


def _same_width(rng):
    # D == Dk: using x itself as the keys runs (and is wrong).
    return call(SYMBOL, *_xw(rng, 2, 5, 4, 4, 3))


def _exclude_self(rng):
    return call(SYMBOL, *_xw(rng, 2, 6, 5, 3, 4), exclude_self=True)


def _exclude_self_same_width(rng):
    return call(SYMBOL, *_xw(rng, 2, 5, 6, 6, 2), exclude_self=True)


def _broadcast_mask(rng):
    x, w_qk, w_v = _xw(rng, 3, 6, 5, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 6, 6))


def _per_batch_mask_exclude(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 4, 3, F64)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 2, 5, 5), exclude_self=True)


def _causal_exclude(rng):
    x, w_qk, w_v = _xw(rng, 2, 6, 6, 3, 4, F64)
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(6), exclude_self=True)


def _only_self(rng):
    x, w_qk, w_v = _xw(rng, 2, 6, 4, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, mask=_only_self_rows(rng, 2, 6, 2), exclude_self=True)


def _key_padding(rng):
    # A (B, 1, L) key-padding mask: the same keys are allowed for every query of a batch element.
    x, w_qk, w_v = _xw(rng, 3, 5, 6, 4, 2)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 3, 1, 5, p_keep=0.5), exclude_self=True)


def _grad_f64(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 4, 3, F64)
    # Under the causal mask token 0 falls back to itself.
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(5), exclude_self=True,
                grad=["0", "1", "2"], grad_seed=3)


def _grad_f32(rng):
    return call(SYMBOL, *_xw(rng, 2, 4, 5, 3, 4), grad=["0", "1", "2"], grad_seed=5)


def _mask_unchanged(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 3, 2, 2)
    return call(SYMBOL, x, w_qk, w_v, mask=_only_self_rows(rng, 2, 5, 1), exclude_self=True)


def _batch_independence(rng):
    # Elements 0 and 2 are identical; element 1 is different: 0 and 2 must agree.
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 3, 3)
    return call(SYMBOL, torch.cat([x, x[:1]]), w_qk, w_v, mask=random_mask(rng, 5, 5),
                exclude_self=True)


def _permuted_tokens(rng):
    x, w_qk, w_v = _xw(rng, 1, 5, 4, 4, 3)
    return call(SYMBOL, torch.cat([x, x[:, PERM]]), w_qk, w_v, exclude_self=True)


def _large_scores(rng):
    # Integer x and w_qk with Dk = 16: Q is integer and the scores (up to ~1e4) are exact.
    x = randint_float(rng, -5, 6, 2, 5, 4)
    w_qk = randint_float(rng, -5, 6, 4, 16)
    w_v = randn(rng, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, exclude_self=True, grad=["0", "1", "2"], grad_seed=11)


def _large_scores_masked(rng):
    x = randint_float(rng, -5, 6, 2, 5, 4, dtype=F64)
    w_qk = randint_float(rng, -5, 6, 4, 16, dtype=F64)
    w_v = randn(rng, 4, 3, dtype=F64)
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(5), exclude_self=True)


def _exclude_self_next_to_low_scores(rng):
    # Two tokens of opposite signs per sequence: each query's only other key scores at
    # most -1e4, so a diagonal filled with a finite -1e4 ties with it or beats it.
    first = torch.randint(0, 2, (4, 1), generator=rng)
    return call(SYMBOL, *_opposite_signs(rng, torch.arange(2) == first), exclude_self=True)


def _mask_next_to_low_scores(rng):
    # Three positive and three negative tokens per sequence; the mask allows each query
    # some of the opposite-sign keys (at most -1e4) and blocks the rest, among them
    # itself and the same-sign keys (1e4 and more): a blocked key filled with -1e4 ties
    # with or beats the allowed ones.
    B, L = 2, 6
    positive = torch.stack([torch.randperm(L, generator=rng) < L // 2 for _ in range(B)])  # (B, L)
    x, w_qk, w_v = _opposite_signs(rng, positive)
    opposite = positive.unsqueeze(-1) != positive.unsqueeze(-2)  # (B, L, L)
    mask = opposite & (torch.rand(B, L, L, generator=rng) < 0.5)
    mask = mask.scatter(-1, opposite.int().argmax(-1, keepdim=True), True)  # at least one key
    return call(SYMBOL, x, w_qk, w_v, mask=mask, grad=["0", "1", "2"], grad_seed=19)


def _single_token(rng):
    return call(SYMBOL, *_xw(rng, 3, 1, 4, 4, 2), exclude_self=True)


CASES = [
    Case("4.1", t("batched inputs, D, Dk and Dv all different", "带批维度的输入，D、Dk、Dv 各不相同"),
         1.0, _basic, tags=("shapes",),
         hint=t("Q = K = x @ w_qk, V = x @ w_v; weights = softmax(Q Kᵀ / sqrt(Dk)) over the keys.",
                "Q = K = x @ w_qk，V = x @ w_v；weights = 在键上做 softmax(Q Kᵀ / sqrt(Dk))。")),
    Case("4.2", t("D == Dk: the keys are projected too", "D == Dk：键也要经过投影"), 1.0, _same_width,
         tags=("shapes",),
         hint=t("The keys are x @ w_qk, the very same tensor as the queries, not x itself.",
                "键是 x @ w_qk，与查询是同一个张量，而不是 x 本身。")),
    Case("4.3", t("exclude_self without a mask", "没有掩码时的 exclude_self"), 1.0, _exclude_self,
         tags=("exclude-self",),
         hint=t("Block the diagonal of the (L, L) scores before the softmax.",
                "在 softmax 之前屏蔽 (L, L) 得分矩阵的对角线。")),
    Case("4.4", t("exclude_self with D == Dk", "D == Dk 时的 exclude_self"), 1.0,
         _exclude_self_same_width, tags=("exclude-self", "shapes")),
    Case("4.5", t("(L, L) mask broadcast over the batch", "在批上广播的 (L, L) 掩码"), 1.0,
         _broadcast_mask, tags=("mask",),
         hint=t("True means 'may attend'; block the other scores before the softmax.",
                "True 表示“可以关注”；在 softmax 之前屏蔽其余的得分。")),
    Case("4.6", t("per-batch (B, L, L) mask with exclude_self (float64)",
                  "每个批元素各自的 (B, L, L) 掩码加 exclude_self（float64）"), 1.0,
         _per_batch_mask_exclude, tags=("mask", "exclude-self", "dtype"),
         hint=t("Combine the mask and the exclusion into one tensor of allowed keys.",
                "把掩码和排除自身合并成一个表示允许关注的键的张量。")),
    Case("4.7", t("causal mask with exclude_self: the first token has only itself (float64)",
                  "因果掩码加 exclude_self：第一个词元只有它自己（float64）"), 1.0,
         _causal_exclude, tags=("mask", "exclude-self", "fallback", "dtype"),
         hint=t("A query left with no other key attends to itself: its weight on itself is 1.",
                "没有其他键可关注的查询关注它自己：它对自身的权重为 1。")),
    Case("4.8", t("rows whose only allowed key is the query itself", "唯一允许的键就是查询自身的行"),
         1.0, _only_self, tags=("mask", "exclude-self", "fallback"),
         hint=t("Excluding self must never leave a row with nothing: fall back to the query itself.",
                "排除自身绝不能让某一行什么都不剩：这时回退到查询自身。")),
    Case("4.9", t("(B, 1, L) key-padding mask with exclude_self", "(B, 1, L) 的键填充掩码加 exclude_self"),
         0.5, _key_padding, tags=("mask", "exclude-self"),
         hint=t("Let broadcasting expand the mask; do not assume it has shape (L, L).",
                "让广播去扩展掩码；不要假定它的形状是 (L, L)。")),
    Case("4.10", t("gradients of x, w_qk and w_v through mask and exclusion (float64)",
                   "经过掩码和排除自身的 x、w_qk、w_v 的梯度（float64）"), 1.0, _grad_f64,
         tags=("gradients", "fallback"),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只使用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("4.11", t("gradients of x, w_qk and w_v (float32)", "x、w_qk、w_v 的梯度（float32）"), 1.0,
         _grad_f32, tags=("gradients",),
         hint=t("w_qk is used for the queries and for the keys: both uses carry gradient.",
                "w_qk 既用于查询也用于键：两处用途都会带来梯度。")),
    Case("4.12", t("the mask and the other inputs are left unchanged", "掩码和其他输入都保持不变"), 0.5,
         _mask_unchanged, check=inputs_left_unchanged(), tags=("inputs", "exclude-self"),
         hint=t("Build a new mask (e.g. mask & ~eye) instead of writing False into the given one.",
                "构造一个新的掩码（例如 mask & ~eye），不要往传入的掩码里写 False。")),
    Case("4.13", t("batch elements are independent", "批中各元素相互独立"), 0.5, _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("4.14", t("reordering the tokens reorders the output (no mask, exclude_self)",
                   "重排词元，输出也随之重排（无掩码，exclude_self）"), 0.5,
         _permuted_tokens, check=all_of(match_reference(), _permuted_rows_agree), tags=("invariant",),
         hint=t("Without a mask nothing may depend on a token's position, only on its vector.",
                "没有掩码时，结果只能取决于词元的向量，而不能取决于它的位置。")),
    Case("4.15", t("scores up to 1e4 stay finite (float32, exclude_self, gradients too)",
                   "得分高达 1e4 时仍为有限值（float32，exclude_self，梯度也是）"), 1.0,
         _large_scores, check=all_finite(compare_where_exact=True), tags=("stability",),
         hint=t("Block with -inf and use torch.softmax, which subtracts each row's maximum.",
                "用 -inf 屏蔽，并使用会减去每行最大值的 torch.softmax。")),
    Case("4.16", t("scores up to 1e4 with a causal mask and exclude_self (float64)",
                   "得分高达 1e4，带因果掩码和 exclude_self（float64）"), 0.5,
         _large_scores_masked, check=all_finite(compare_where_exact=True),
         tags=("stability", "fallback")),
    Case("4.17", t("a single token (L = 1) with exclude_self", "只有一个词元（L = 1），exclude_self"),
         0.5, _single_token, tags=("shapes", "fallback"),
         hint=t("With one token the only key is the token itself, so exclude_self falls back to it.",
                "只有一个词元时，唯一的键就是它自己，所以 exclude_self 回退到它自己。")),
    Case("4.18", t("exclude_self next to allowed scores of -1e4 and below (Dk = 1, float64)",
                   "exclude_self：允许的得分不高于 -1e4（Dk = 1，float64）"), 1.0,
         _exclude_self_next_to_low_scores, check=all_finite(compare_where_exact=True),
         tags=("stability", "exclude-self"),
         hint=FINITE_FILL_HINT),
    Case("4.19", t("keys the mask blocks next to allowed scores of -1e4 and below (Dk = 1, float64)",
                   "被掩码屏蔽的键旁边，允许的得分不高于 -1e4（Dk = 1，float64）"), 1.0,
         _mask_next_to_low_scores, check=all_finite(compare_where_exact=True),
         tags=("stability", "mask"),
         hint=FINITE_FILL_HINT),
]
