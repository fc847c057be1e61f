"""Hidden cases for sliding_window_attention (problem 13).

Windows are smaller than L (and rarely divide it) wherever the band matters, so
that one key too many (``swa.window_off_by_one``) or the future seen in causal
mode (``swa.symmetric_when_causal``) changes the output; D > 1 everywhere except
the case whose scores must be exact at -1e4, so that ``swa.no_scale`` shows.
Windows of 1 and of at least L check the two ends of the definition. The two
memory cases use the sizes of problems.md. At scores of magnitude 1e4 values are
compared in float64 only (float32 rounds a log-sum-exp near 1e4 to about 1e-3,
beyond its tolerance, in solutions that are right); the float32 case checks that
outputs and gradients stay finite. Allowed scores near -1e4 sit next to blocked
keys that score as low (13.17: a -1e4 fill ties) or at 0 and above (13.21 causal,
13.22 not causal: an added -1e4 ties as well).
"""

import torch

from grader.cases import Case, call
from grader.checks import all_finite, inputs_left_unchanged, raises
from grader.hidden._inputs import randn
from grader.hidden._large_scores import huge_scores_qk, one_hot_keys, scores_below_minus_1e4, scores_either_side
from grader.hidden._memory import long_inputs, values_within_memory
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "sliding_window_attention"
ALL_GRADS = ["0", "1", "2"]
MEMORY_L, MEMORY_D, MEMORY_WINDOW = 16384, 64, 128


def _qkv(rng, batch, length, d, dv, dtype=F32):
    return (randn(rng, *batch, length, d, dtype=dtype), randn(rng, *batch, length, d, dtype=dtype),
            randn(rng, *batch, length, dv, dtype=dtype))


def _causal(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 12, 8, 6), 4, causal=True)


def _not_causal(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 12, 8, 5), 3, causal=False)


def _default_causal(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 10, 4, 4), 3)


def _window_one(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 7, 4, 3, F64), 1, causal=True)


def _window_one_not_causal(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 6, 4, 3), 1, causal=False)


def _window_beyond_length(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 6, 4, 5, F64), 9, causal=True)


def _window_equals_length(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 7, 8, 3, F64), 7, causal=False)


def _window_edges(rng):
    # window = L - 1: only the first and last positions lose a key, on either side.
    return call(SYMBOL, *_qkv(rng, (2,), 6, 4, 4, F64), 5, causal=False)


def _no_batch(rng):
    return call(SYMBOL, *_qkv(rng, (), 10, 8, 4), 3, causal=True)


def _two_batch_dims(rng):
    return call(SYMBOL, *_qkv(rng, (2, 3), 9, 4, 3), 4, causal=False)


def _float64(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 16, 8, 6, F64), 5, causal=True)


def _unchanged_inputs(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 9, 4, 4, F64), 3, causal=False)


def _grads_causal_f64(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 8, 4, 3, F64), 3, causal=True, grad=ALL_GRADS, grad_seed=3)


def _grads_not_causal_f32(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 7, 8, 4), 2, causal=False, grad=ALL_GRADS, grad_seed=5)


def _huge_scores(rng):
    q, k = huge_scores_qk(rng, 2, lq=10, lk=10)
    return call(SYMBOL, q, k, randn(rng, 2, 10, 3), 4, causal=False, grad=ALL_GRADS, grad_seed=7)


def _huge_scores_f64(rng):
    q, k = huge_scores_qk(rng, 2, lq=11, lk=11, dtype=F64)
    return call(SYMBOL, q, k, randn(rng, 2, 11, 4, dtype=F64), 3, causal=True)


def _scores_near_floor(rng):
    q, k = scores_below_minus_1e4(rng, 2, lq=9, lk=9, dtype=F64)
    return call(SYMBOL, q, k, randn(rng, 2, 9, 3, dtype=F64), 3, causal=True)


def _band(length, window, causal):
    """(L, L) bool: key j allowed for query i, as problems.md defines the window."""
    i, j = torch.arange(length).unsqueeze(-1), torch.arange(length)
    return (j > i - window) & (j <= i) if causal else (i - j).abs() < window


def _blocked_keys_above_zero(causal):
    # D = 16 and key j = 4·e_j, so query i holds its scaled scores: -1e4 - {0..3} inside its
    # window, 0 … 3 outside it (the future and the keys too far back, or on both sides when
    # not causal). A blocked key filled with -1e4, or shifted by an added -1e4, then ties with
    # or beats the allowed ones (13.17 catches only the fill). In float64.
    def make(rng):
        allowed = _band(9, 3, causal).expand(2, 9, 9)
        q, k = one_hot_keys(scores_either_side(rng, allowed), 16)
        return call(SYMBOL, q, k, randn(rng, 2, 9, 3, dtype=F64), 3, causal=causal)

    return make


def _bad_window(rng):
    return call(SYMBOL, *_qkv(rng, (1,), 4, 4, 2), 0)


def _memory(causal):
    def make(rng):
        q, k, v = long_inputs(rng, (MEMORY_L, MEMORY_D), (MEMORY_L, MEMORY_D), (MEMORY_L, MEMORY_D))
        return call(SYMBOL, q, k, v, MEMORY_WINDOW, causal=causal, measure_memory=True)

    return make


BAND_HINT = t("Causal: key j is allowed for query i when i - window < j <= i (window keys, itself "
              "included). Not causal: when |i - j| < window.",
              "因果：当 i - window < j <= i 时查询 i 可以看键 j（共 window 个键，包括自己）。"
              "非因果：当 |i - j| < window 时。")
MEMORY_HINT = t(
    "Take the queries in chunks and score each chunk only against the keys its windows can reach; "
    "never build an (L, L) tensor (not even a boolean band mask) or gather every window at once.",
    "把查询分块，每块只与它的窗口能覆盖到的键计算得分；不要构造 (L, L) 的张量（布尔带状掩码也不行），"
    "也不要一次性把所有窗口都收集出来。")
MEMORY_CHECK = values_within_memory("swa.materialises_scores", MEMORY_HINT)

CASES = [
    Case("13.1", t("causal window smaller than L", "因果，窗口小于 L"), 1.0, _causal,
         tags=("causal", "window"), hint=BAND_HINT),
    Case("13.2", t("not causal: |i - j| < window", "非因果：|i - j| < window"), 1.0, _not_causal,
         tags=("window",),
         hint=t("Without causality a query sees window - 1 keys on each side and itself.",
                "非因果时，查询能看到两侧各 window - 1 个键，以及它自己。")),
    Case("13.3", t("causal is the default", "默认 causal=True"), 0.5, _default_causal,
         tags=("causal",),
         hint=t("The signature is sliding_window_attention(q, k, v, window, causal=True).",
                "函数签名是 sliding_window_attention(q, k, v, window, causal=True)。")),
    Case("13.4", t("window = 1: each query sees itself only (float64)",
                   "window = 1：每个查询只看到自己（float64）"), 0.5, _window_one,
         tags=("window",),
         hint=t("With window = 1 the output is v itself.", "window = 1 时输出就是 v 本身。")),
    Case("13.5", t("window = 1, not causal", "window = 1，非因果"), 0.5, _window_one_not_causal,
         tags=("window",)),
    Case("13.6", t("window larger than L: ordinary causal attention",
                   "窗口大于 L：普通的因果注意力"), 0.5, _window_beyond_length,
         tags=("window", "causal"),
         hint=t("Clip the key range to 0 … L - 1; a window longer than the sequence hides nothing "
                "but the future.",
                "把键的范围截断到 0 … L - 1；比序列还长的窗口除了未来之外什么也不屏蔽。")),
    Case("13.7", t("window = L, not causal: full attention", "window = L，非因果：完整注意力"), 0.5,
         _window_equals_length, tags=("window",)),
    Case("13.8", t("window = L - 1, not causal: only the two ends lose a key",
                   "window = L - 1，非因果：只有两端各少一个键"), 0.5, _window_edges,
         tags=("window",), hint=BAND_HINT),
    Case("13.9", t("no batch dimension", "没有批维度"), 0.5, _no_batch, tags=("shapes",),
         hint=t("Index axes from the end (-2, -1) so that any number of batch dimensions works.",
                "从末尾索引维度（-2、-1），这样任意数量的批维度都能处理。")),
    Case("13.10", t("two batch dimensions, not causal", "两个批维度，非因果"), 0.5, _two_batch_dims,
         tags=("shapes",)),
    Case("13.11", t("float64, window does not divide L", "float64，窗口不能整除 L"), 1.0, _float64,
         tags=("dtype",),
         hint=t("Keep the inputs' dtype; the last chunk of queries may be shorter.",
                "保持输入的 dtype；最后一块查询可能更短。")),
    Case("13.12", t("q, k and v are left unchanged", "q、k、v 保持不变"), 0.5, _unchanged_inputs,
         check=inputs_left_unchanged(), tags=("inputs",),
         hint=t("Mask a copy of the scores (masked_fill, not masked_fill_ on a view of an input).",
                "对得分的副本做掩码（用 masked_fill，而不是在输入的视图上 masked_fill_）。")),
    Case("13.13", t("gradients of q, k, v, causal (float64)", "对 q、k、v 求梯度，因果（float64）"), 1.0,
         _grads_causal_f64, tags=("gradients", "causal"),
         hint=t("Stay within differentiable torch operations; blocked scores at -inf get a zero "
                "gradient.",
                "只用可微的 torch 运算；被屏蔽的得分为 -inf，梯度为 0。")),
    Case("13.14", t("gradients of q, k, v, not causal (float32)", "对 q、k、v 求梯度，非因果（float32）"),
         1.0, _grads_not_causal_f32, tags=("gradients",)),
    Case("13.15", t("scores up to 1e4 stay finite (float32, gradients too)",
                    "得分高达 1e4 时仍为有限值（float32，含梯度）"), 1.0, _huge_scores,
         check=all_finite(), tags=("stability",),
         hint=t("Subtract each row's maximum before exp(), or use torch.softmax.",
                "在 exp() 之前减去每行的最大值，或直接用 torch.softmax。")),
    Case("13.16", t("scores up to 1e4, causal (float64)", "得分高达 1e4，因果（float64）"), 0.5,
         _huge_scores_f64, check=all_finite(compare_where_exact=True), tags=("stability", "causal")),
    Case("13.17", t("allowed scores near -1e4 next to blocked keys (D = 1, float64)",
                    "允许的得分接近 -1e4，旁边是被屏蔽的键（D = 1，float64）"), 1.0, _scores_near_floor,
         check=all_finite(compare_where_exact=True), tags=("stability", "causal"),
         hint=t("Block with -inf (or a value below any legal score): a fill of -1e4 ties with "
                "allowed scores of -1e4.",
                "用 -inf（或低于任何合法得分的值）屏蔽：填 -1e4 会与 -1e4 的合法得分打平。")),
    Case("13.18", t("window < 1 raises ValueError", "window < 1 时抛出 ValueError"), 0.5, _bad_window,
         check=raises("ValueError", why=t("window=0 lets a query see nothing",
                                          "window=0 时查询什么也看不到")),
         tags=("errors",),
         hint=t("Check window before anything else and raise ValueError.",
                "先检查 window，并抛出 ValueError。")),
    Case("13.19", t("memory: L = 16384, window = 128, causal, under 64 MiB",
                    "内存：L = 16384，window = 128，因果，低于 64 MiB"), 2.0, _memory(True),
         check=MEMORY_CHECK, tags=("memory", "causal"), hint=MEMORY_HINT),
    Case("13.20", t("memory: L = 16384, window = 128, not causal, under 64 MiB",
                    "内存：L = 16384，window = 128，非因果，低于 64 MiB"), 2.0, _memory(False),
         check=MEMORY_CHECK, tags=("memory",), hint=MEMORY_HINT),
    Case("13.21", t("causal: allowed scores near -1e4, blocked keys at 0 and above (D = 16, float64)",
                    "因果：允许的得分接近 -1e4，被屏蔽的键得分不低于 0（D = 16，float64）"), 1.0,
         _blocked_keys_above_zero(True), check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"), hint=FINITE_FILL_HINT),
    Case("13.22", t("not causal: allowed scores near -1e4, keys outside the window at 0 and above "
                    "(D = 16, float64)",
                    "非因果：允许的得分接近 -1e4，窗口外的键得分不低于 0（D = 16，float64）"), 1.0,
         _blocked_keys_above_zero(False), check=all_finite(compare_where_exact=True),
         tags=("stability", "window"), hint=FINITE_FILL_HINT),
]
