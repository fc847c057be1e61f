"""Hidden cases for self_attention (problem 2).

Weights are drawn with standard deviation 1/sqrt(D) so that the projections,
and hence the scores, stay unit-scale: the softmax does not saturate and a wrong
scale changes the answer. The shapes include those on which each catalogued
mistake runs: square weights (x @ w.T), Dv == D (a residual), D != Dk (the
wrong width in the scale) and causal cases. One causal case has allowed
scores of -1e4 and below next to future keys that score -1e4 or 0, so a future
key filled with -1e4 (or shifted by an additive -1e4) takes weight.
"""

import math

import torch

from grader.cases import Case, call
from grader.checks import all_finite, all_of, batch_independent, batch_rows_agree, match_reference
from grader.hidden._inputs import randint_float, randn
from grader.hidden._large_scores import scores_below_minus_1e4
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "self_attention"
ALL = ["0", "1", "2", "3"]  # x, w_q, w_k, w_v

# Token order used by the permutation case, and its inverse.
PERM = torch.tensor([3, 0, 4, 1, 2])
INV = torch.argsort(PERM)
PREFIX = 3  # the causal prefix case changes tokens from this position on


def _inputs(rng, batch, seq_len, d, d_k, d_v, dtype=F32):
    """x (B, L, D) and w_q, w_k (D, Dk), w_v (D, Dv)."""
    w = 1.0 / math.sqrt(d)
    return (randn(rng, batch, seq_len, d, dtype=dtype),
            randn(rng, d, d_k, dtype=dtype, scale=w), randn(rng, d, d_k, dtype=dtype, scale=w),
            randn(rng, d, d_v, dtype=dtype, scale=w))


def _basic(rng):
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 4, 3))


def _float64(rng):
    return call(SYMBOL, *_inputs(rng, 3, 4, 5, 3, 7, F64))


def _one_batch_wide_keys(rng):
    # Dk > D: the projections widen the features.
    return call(SYMBOL, *_inputs(rng, 1, 9, 4, 6, 2))


def _square(rng):
    # D == Dk == Dv: x @ w.T runs too, and gives other projections.
    return call(SYMBOL, *_inputs(rng, 2, 4, 4, 4, 4))


def _dv_equals_d(rng):
    # Dv == D: adding the input (a residual) runs too.
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 3, 6), causal=False)


def _causal_f64(rng):
    return call(SYMBOL, *_inputs(rng, 2, 6, 5, 4, 3, F64), causal=True)


def _causal_grads(rng):
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 4, 3), causal=True, grad=ALL, grad_seed=7)


def _grads_f64(rng):
    return call(SYMBOL, *_inputs(rng, 2, 4, 5, 3, 4, F64), grad=ALL, grad_seed=3)


def _single_token(rng):
    # One token: it attends to itself only, so out = x @ w_v.
    return call(SYMBOL, *_inputs(rng, 3, 1, 4, 2, 5), causal=True)


def _large(rng, batch, seq_len, dtype):
    # Integer x and weights with Dk = 16: the scores (|s| up to ~1e4) are exact
    # integers divided by 4, so the reference and a correct submission agree exactly.
    x = randint_float(rng, -8, 9, batch, seq_len, 4, dtype=dtype)
    w_q = randint_float(rng, -4, 5, 4, 16, dtype=dtype)
    w_k = randint_float(rng, -4, 5, 4, 16, dtype=dtype)
    w_v = randn(rng, 4, 3, dtype=dtype, scale=0.5)
    return x, w_q, w_k, w_v


def _large_scores(rng):
    return call(SYMBOL, *_large(rng, 2, 6, F32), grad=ALL, grad_seed=11)


def _large_scores_causal(rng):
    return call(SYMBOL, *_large(rng, 2, 7, F64), causal=True)


def _causal_allowed_scores_below_minus_1e4(rng):
    # Dk = 4 (scale 2). Each sequence has n "A" tokens, then "B" tokens; x = (200, 200·is_B,
    # k·is_A, k·is_B) with k in {-102, -101, -100}, Q = (x0, x1, 0, 0), K = (x2, x3, 0, 0): an
    # A query scores an A key 100·k (at most -1e4) and a B key 0; a B query scores every
    # key 100·k. Every allowed score is at most -1e4, and the future keys of an A query
    # score 0 or at most -1e4: a future key filled with -1e4 ties with or beats the
    # allowed ones, and one shifted by -1e4 (an additive mask) too. In float64.
    B, L = 3, 6
    _, k = scores_below_minus_1e4(rng, B, lq=L, lk=L, dtype=F64)  # (B, L, 1)
    first_b = torch.randint(1, L, (B, 1, 1), generator=rng)
    is_b = (torch.arange(L).view(1, L, 1) >= first_b).to(F64)  # (B, L, 1)
    x = torch.cat([torch.full_like(k, 200.0), 200.0 * is_b, k * (1 - is_b), k * is_b], dim=-1)
    pick = torch.eye(4, dtype=F64)
    w_q = torch.cat([pick[:, :2], torch.zeros(4, 2, dtype=F64)], dim=1)  # Q = (x0, x1, 0, 0)
    w_k = torch.cat([pick[:, 2:], torch.zeros(4, 2, dtype=F64)], dim=1)  # K = (x2, x3, 0, 0)
    w_v = randn(rng, 4, 3, dtype=F64, scale=0.01)
    return call(SYMBOL, x, w_q, w_k, w_v, causal=True)


def _permuted_tokens(rng):
    # Batch element 1 holds the tokens of element 0 in the order PERM.
    x, w_q, w_k, w_v = _inputs(rng, 1, 5, 6, 4, 3)
    return call(SYMBOL, torch.cat([x, x[:, PERM]]), w_q, w_k, w_v)


def _unpermute(value):
    """(2, L, Dv) output -> element 0 and element 1 put back in element 0's order."""
    return torch.stack([value[0], value[1][INV]])


def _future_changed(rng):
    # Element 1 equals element 0 up to position PREFIX - 1, then differs.
    x, w_q, w_k, w_v = _inputs(rng, 2, 6, 5, 3, 4)
    x[1, :PREFIX] = x[0, :PREFIX]
    return call(SYMBOL, x, w_q, w_k, w_v, causal=True)


def _batch_independence(rng):
    # Elements 0 and 2 are identical; element 1 is different: 0 and 2 must agree.
    x, w_q, w_k, w_v = _inputs(rng, 2, 4, 5, 3, 3)
    return call(SYMBOL, torch.cat([x, x[:1]]), w_q, w_k, w_v)


CASES = [
    Case("2.1", t("batched input, D, Dk and Dv all different", "带批维度的输入，D、Dk、Dv 各不相同"), 1.0,
         _basic, tags=("shapes",),
         hint=t("Q = x @ w_q, K = x @ w_k, V = x @ w_v; out = softmax(Q Kᵀ / sqrt(Dk)) V.",
                "先投影：Q = x @ w_q，K = x @ w_k，V = x @ w_v；再计算 out = softmax(Q Kᵀ / sqrt(Dk)) V。")),
    Case("2.2", t("float64 inputs keep float64", "float64 输入保持 float64"), 0.5, _float64,
         tags=("dtype",),
         hint=t("Do not create float32 tensors along the way; keep the inputs' dtype.",
                "计算过程中不要创建 float32 张量；保持输入的 dtype。")),
    Case("2.3", t("one batch element, Dk larger than D", "一个批元素，Dk 大于 D"), 0.5,
         _one_batch_wide_keys, tags=("shapes",),
         hint=t("The scale is sqrt of the width of Q and K (Dk), not of x (D).",
                "缩放因子是 Q 和 K 的宽度（Dk）的平方根，不是 x 的宽度（D）的平方根。")),
    Case("2.4", t("square weights (D = Dk = Dv)", "方阵权重（D = Dk = Dv）"), 1.0, _square,
         tags=("shapes",),
         hint=t("w_q is (D, Dk): the projection is x @ w_q, with no transpose.",
                "w_q 的形状是 (D, Dk)：投影就是 x @ w_q，不需要转置。")),
    Case("2.5", t("Dv = D: the output is attention alone", "Dv = D：输出只有注意力"), 1.0,
         _dv_equals_d, tags=("shapes",),
         hint=t("Return softmax(Q Kᵀ / sqrt(Dk)) V and nothing more: no residual, "
                "normalisation or feed-forward.",
                "只返回 softmax(Q Kᵀ / sqrt(Dk)) V：没有残差、归一化或前馈网络。")),
    Case("2.6", t("causal, float64", "因果，float64"), 1.0, _causal_f64, tags=("causal", "dtype"),
         hint=t("Query i may attend to keys j <= i: itself and the past.",
                "查询 i 可以关注 j <= i 的键 j：它自己和过去。")),
    Case("2.7", t("causal gradients of x and the three weight matrices (float32)",
                  "因果时 x 和三个权重矩阵的梯度（float32）"), 1.0,
         _causal_grads, tags=("causal", "gradients"),
         hint=t("Block scores with masked_fill(..., -inf) before the softmax; stay differentiable.",
                "在 softmax 之前用 masked_fill(..., -inf) 屏蔽得分；保持可微。")),
    Case("2.8", t("gradients of x and the three weight matrices (float64)",
                  "x 和三个权重矩阵的梯度（float64）"), 1.0, _grads_f64, tags=("gradients",),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只使用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("2.9", t("a single token, causal", "只有一个词元，因果"), 0.5, _single_token,
         tags=("causal", "shapes"),
         hint=t("A token always sees itself: with one token the output is x @ w_v.",
                "一个词元总能看到自己：只有一个词元时输出就是 x @ w_v。")),
    Case("2.10", t("scores up to 1e4 stay finite (float32, gradients too)",
                   "得分高达 1e4 时仍为有限值（float32，梯度也是）"), 1.0, _large_scores,
         check=all_finite(compare_where_exact=True), tags=("stability",),
         hint=t("torch.softmax subtracts each row's maximum; a hand-written exp() overflows.",
                "torch.softmax 会减去每行的最大值；手写的 exp() 会溢出。")),
    Case("2.11", t("scores up to 1e4 with causal=True (float64)",
                   "得分高达 1e4，causal=True（float64）"), 0.5, _large_scores_causal,
         check=all_finite(compare_where_exact=True), tags=("stability", "causal")),
    Case("2.12", t("reordering the tokens reorders the output", "重排词元，输出也随之重排"), 0.5,
         _permuted_tokens,
         check=all_of(match_reference(), batch_rows_agree(
             [(0, 1)], property_name=t("permutation equivariance", "置换等变性"), select=_unpermute)),
         tags=("invariant",),
         hint=t("Without a mask self-attention has no notion of order.",
                "没有掩码时，自注意力不知道顺序。")),
    Case("2.13", t("causal: later tokens do not change earlier outputs",
                   "因果：后面的词元不改变前面的输出"), 0.5, _future_changed,
         check=all_of(match_reference(), batch_rows_agree(
             [(0, 1)], property_name=t("causality (outputs before the change)",
                                       "因果性（改动之前的输出）"),
             select=lambda value: value[:, :PREFIX])),
         tags=("causal", "invariant"),
         hint=t("Position i must not see any position after i.",
                "位置 i 不能看到 i 之后的任何位置。")),
    Case("2.14", t("batch elements are independent", "批中各元素相互独立"), 0.5, _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("2.15", t("causal: allowed scores of -1e4 and below next to future keys (float64)",
                   "因果：允许的得分不高于 -1e4，旁边是未来的键（float64）"), 1.0,
         _causal_allowed_scores_below_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"),
         hint=FINITE_FILL_HINT),
]
