"""Hidden cases for scaled_dot_product_attention (problem 1)."""

import torch

from grader.cases import Case, call
from grader.checks import all_finite, all_of, batch_independent, batch_rows_agree, match_reference
from grader.hidden._inputs import causal_mask, one_key_mask, randint_float, randn, random_mask
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "scaled_dot_product_attention"

# Shared with problems 2 to 5, whose hidden cases check the same convention.
FINITE_FILL_HINT = t(
    "Block with -inf, or with a value below every legal score such as -1e9 or "
    "torch.finfo(dtype).min: scores may legally reach -1e4, so a fill of -1e4 (or adding -10000) "
    "leaves weight on blocked keys.",
    "用 -inf 屏蔽，或者用比任何合法得分都小的值，例如 -1e9 或 torch.finfo(dtype).min：合法的得分可以"
    "低到 -1e4，所以填充 -1e4（或加上 -10000）会让被屏蔽的键仍有权重。")

# Shared with problems 3, 8 and 12: float64 cases whose width d is not a perfect square. A scale
# rounded to float32 (torch.tensor(float(d)).sqrt()) fails them within float32's tolerance, which
# the precision message explains; this hint is for values wrong beyond that.
EXACT_SQRT_HINT = t(
    "Scale by the exact square root of the width d, math.sqrt(d): d is not a perfect square here, "
    "so an integer or rounded square root gives other scores.",
    "按宽度 d 的精确平方根缩放，即 math.sqrt(d)：这里的 d 不是完全平方数，整数平方根或取整后的平方根"
    "都会得到不同的得分。")


def _qkv(rng, batch, lq, lk, dk, dv, dtype=F32):
    return (randn(rng, *batch, lq, dk, dtype=dtype), randn(rng, *batch, lk, dk, dtype=dtype),
            randn(rng, *batch, lk, dv, dtype=dtype))


def _basic(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 4, 6, 8, 5))


def _no_batch(rng):
    return call(SYMBOL, *_qkv(rng, (), 5, 7, 4, 3))


def _two_batch_dims(rng):
    return call(SYMBOL, *_qkv(rng, (2, 3), 3, 5, 6, 2))


def _float64(rng):
    return call(SYMBOL, *_qkv(rng, (3,), 4, 5, 8, 6, F64))


def _same_width(rng):
    # Dk == Dv and Lq == Lk, so adding the input to the output runs (and is wrong).
    return call(SYMBOL, *_qkv(rng, (2,), 5, 5, 6, 6))


def _broadcast_mask(rng):
    q, k, v = _qkv(rng, (3,), 4, 6, 8, 5)
    return call(SYMBOL, q, k, v, mask=random_mask(rng, 4, 6))


def _causal(rng):
    q, k, v = _qkv(rng, (2,), 6, 6, 4, 4, F64)
    return call(SYMBOL, q, k, v, mask=causal_mask(6))


def _per_batch_mask(rng):
    q, k, v = _qkv(rng, (2, 2), 3, 5, 4, 7)
    return call(SYMBOL, q, k, v, mask=random_mask(rng, 2, 2, 3, 5, p_keep=0.4))


def _one_key(rng):
    q, k, v = _qkv(rng, (2,), 4, 5, 3, 3)
    return call(SYMBOL, q, k, v, mask=one_key_mask(rng, 4, 5))


def _large_scores(rng):
    # Integer q and k with Dk = 16: scores up to ~1e4 are exact in float32.
    q = randint_float(rng, -25, 26, 2, 4, 16)
    k = randint_float(rng, -25, 26, 2, 6, 16)
    v = randn(rng, 2, 6, 3)
    return call(SYMBOL, q, k, v, grad=["0", "1", "2"], grad_seed=11)


def _large_scores_masked(rng):
    q = randint_float(rng, -25, 26, 5, 16, dtype=F64)
    k = randint_float(rng, -25, 26, 5, 16, dtype=F64)
    v = randn(rng, 5, 4, dtype=F64)
    return call(SYMBOL, q, k, v, mask=causal_mask(5))


def _grad_f64(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 3, 4, 5, 6, F64), grad=["0", "1", "2"], grad_seed=3)


def _grad_masked_f32(rng):
    q, k, v = _qkv(rng, (2,), 4, 4, 8, 3)
    return call(SYMBOL, q, k, v, mask=causal_mask(4), grad=["0", "1", "2"], grad_seed=5)


def _permuted_keys(rng):
    # Batch element 1 holds the keys and values of element 0 in another order.
    q, k, v = _qkv(rng, (1,), 4, 6, 8, 5)
    perm = torch.randperm(6, generator=rng)
    return call(SYMBOL, q.repeat(2, 1, 1), torch.cat([k, k[:, perm]]), torch.cat([v, v[:, perm]]))


def _batch_independence(rng):
    # Elements 0 and 2 are identical; element 1 is different: 0 and 2 must agree.
    q, k, v = _qkv(rng, (2,), 3, 4, 6, 4)
    return call(SYMBOL, torch.cat([q, q[:1]]), torch.cat([k, k[:1]]), torch.cat([v, v[:1]]))


def _single_key(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 3, 1, 4, 2))


def _masked_f64_odd_width(rng):
    # Dk = 3: sqrt(3) rounded to float32 is off by ~2e-8 of itself, beyond float64's tolerance
    q, k, v = _qkv(rng, (2,), 4, 6, 3, 5, F64)
    return call(SYMBOL, q, k, v, mask=random_mask(rng, 4, 6))


def _allowed_scores_at_minus_1e4(rng):
    # Dk = 1 and q, k in {0, ±100}, so every scaled score q·k is exact: four keys score
    # -1e4 and two score 0. Each query may attend to some of the -1e4 keys; the others
    # and the two 0 keys are blocked. A blocked score filled with -1e4 ties with the
    # allowed ones, one shifted by -1e4 (BERT's additive mask) too, and each mistake
    # spreads the weight over a different set of keys. In float64: a right softmax written as
    # exp(s - logsumexp(s)) is off by float32's rounding of a log-sum-exp near 1e4 (~1e-3).
    sign = (torch.randint(0, 2, (2, 1, 1), generator=rng) * 2 - 1).to(F64)  # one per batch element
    q = (100 * sign).expand(2, 4, 1)  # (B, Lq, Dk)
    order = torch.randperm(6, generator=rng)
    k = torch.cat([(-100 * sign).expand(2, 4, 1), torch.zeros(2, 2, 1, dtype=F64)], dim=1)  # (B, Lk, Dk)
    k = k[:, order]
    allowed = random_mask(rng, 2, 4, 4, p_keep=0.5)  # (B, Lq, 4): among the -1e4 keys
    mask = torch.cat([allowed, torch.zeros(2, 4, 2, dtype=torch.bool)], dim=-1)[..., order]
    v = randn(rng, 2, 6, 3, dtype=F64)
    return call(SYMBOL, q.contiguous(), k, v, mask=mask, grad=["0", "1", "2"], grad_seed=13)


CASES = [
    Case("1.1", t("batched inputs, Lq != Lk, Dk != Dv", "带批维度的输入，Lq != Lk，Dk != Dv"), 1.0,
         _basic, tags=("shapes",),
         hint=t("weights = softmax(q @ kᵀ / sqrt(Dk)) over the keys; output = weights @ v.",
                "weights = 在键上做 softmax(q @ kᵀ / sqrt(Dk))；output = weights @ v。")),
    Case("1.2", t("no batch dimension (2-D inputs)", "没有批维度（二维输入）"), 0.5, _no_batch,
         tags=("shapes",),
         hint=t("Use k.transpose(-2, -1), not k.T or a fixed axis, so any number of batch dims works.",
                "用 k.transpose(-2, -1)，不要用 k.T 或固定的维度编号，这样任意多个批维度都能工作。")),
    Case("1.3", t("two batch dimensions", "两个批维度"), 0.5, _two_batch_dims, tags=("shapes",),
         hint=t("Index axes from the end (-2, -1) so extra leading dimensions pass through.",
                "从末尾开始编号维度（-2、-1），前面多出来的维度就能原样保留。")),
    Case("1.4", t("float64 inputs keep float64", "float64 输入保持 float64"), 0.5, _float64,
         tags=("dtype",),
         hint=t("Do not create float32 tensors for the scale or the mask; keep the inputs' dtype.",
                "不要为缩放因子或掩码创建 float32 张量；保持输入的 dtype。")),
    Case("1.5", t("Dk == Dv and Lq == Lk", "Dk == Dv 且 Lq == Lk"), 1.0, _same_width, tags=("shapes",),
         hint=t("The output is weights @ v alone: no residual, no normalisation.",
                "输出只是 weights @ v：没有残差，也没有归一化。")),
    Case("1.6", t("mask broadcast over the batch", "在批上广播的掩码"), 1.0, _broadcast_mask,
         tags=("mask",),
         hint=t("True means 'may attend'; block the other scores before the softmax.",
                "True 表示“可以关注”；在 softmax 之前屏蔽其余的得分。")),
    Case("1.7", t("causal mask, float64", "因果掩码，float64"), 1.0, _causal, tags=("mask", "dtype"),
         hint=t("Masked rows must still sum to one over the allowed keys.",
                "加了掩码的行在允许的键上之和仍必须为一。")),
    Case("1.8", t("per-batch mask with two batch dims", "两个批维度、每个批元素各自的掩码"), 1.0,
         _per_batch_mask, tags=("mask", "shapes")),
    Case("1.9", t("exactly one allowed key per query", "每个查询恰好有一个允许的键"), 0.5, _one_key,
         tags=("mask",),
         hint=t("With one allowed key the weight on it must be exactly 1.",
                "只有一个允许的键时，它的权重必须恰好为 1。")),
    Case("1.10", t("scores up to 1e4 stay finite (float32, gradients too)",
                   "得分高达 1e4 时仍为有限值（float32，梯度也是）"), 1.0, _large_scores,
         check=all_finite(compare_where_exact=True), tags=("stability",),
         hint=t("Subtract each row's maximum before exp(), or use torch.softmax.",
                "在 exp() 之前减去每行的最大值，或者直接用 torch.softmax。")),
    Case("1.11", t("scores up to 1e4 with a causal mask (float64)",
                   "得分高达 1e4，带因果掩码（float64）"), 0.5, _large_scores_masked,
         check=all_finite(compare_where_exact=True), tags=("stability", "mask")),
    Case("1.12", t("gradients of q, k, v (float64)", "q、k、v 的梯度（float64）"), 1.0, _grad_f64,
         tags=("gradients",),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只使用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("1.13", t("gradients through a causal mask (float32)", "经过因果掩码的梯度（float32）"), 1.0,
         _grad_masked_f32, tags=("gradients", "mask")),
    Case("1.14", t("reordering keys and values together changes nothing",
                   "同时重排键和值，结果不变"), 0.5, _permuted_keys,
         check=all_of(match_reference(), batch_rows_agree(
             [(0, 1)], property_name=t("key-order invariance", "与键的顺序无关"))),
         tags=("invariant",)),
    Case("1.15", t("batch elements are independent", "批中各元素相互独立"), 0.5, _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("1.16", t("a single key (Lk = 1)", "只有一个键（Lk = 1）"), 0.5, _single_key, tags=("shapes",)),
    Case("1.17", t("allowed scores of -1e4 next to blocked keys (Dk = 1, float64)",
                   "允许的得分为 -1e4，旁边是被屏蔽的键（Dk = 1，float64）"), 1.0,
         _allowed_scores_at_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "mask"),
         hint=FINITE_FILL_HINT),
    Case("1.18", t("mask with Dk = 3 (not a perfect square), float64",
                   "带掩码，Dk = 3（不是完全平方数），float64"), 0.5, _masked_f64_odd_width,
         tags=("mask", "dtype"), hint=EXACT_SQRT_HINT),
]
