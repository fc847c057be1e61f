"""Hidden cases for flash_attention (problem 12).

Every case compares both returned tensors, ``output`` and ``lse``, so the
``flash.lse_without_max`` mistake shows everywhere; gradients are taken through
``output`` only, as the contract says (``lse`` is compared by value). Random inputs have several
key blocks per query (block sizes that rarely divide Lk), so the running maximum
grows in a later block for most queries: that is where ``flash.no_rescale`` and
``flash.denominator_not_rescaled`` go wrong, and case 12.4 makes it happen for
almost every query. Causal cases are aligned at the top left (query i sees keys
j <= i, as ``F.scaled_dot_product_attention(is_causal=True)``) and include Lq != Lk
both ways, where a bottom-right alignment gives other values. The two memory
cases use the sizes of problems.md.

At scores of magnitude 1e4 values are compared in float64 only: float32 rounds
a log-sum-exp near 1e4 to about 1e-3, so a right solution that exponentiates
s - lse (instead of s - max) misses float32's tolerance there. The float32 case
checks that outputs and gradients stay finite. Two causal cases put the allowed
scores near -1e4: 12.17 with the future there too (a -1e4 fill ties with it),
12.22 with the future at 0 and above (an added -1e4 ties with it as well).
"""

import torch

from grader.cases import Case, call
from grader.checks import all_finite, inputs_left_unchanged, raises
from grader.hidden._inputs import causal_mask, randn
from grader.hidden._large_scores import huge_scores_qk, one_hot_keys, scores_below_minus_1e4, scores_either_side
from grader.hidden._memory import long_inputs, values_within_memory
from grader.hidden.scaled_dot_product_attention import EXACT_SQRT_HINT, FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "flash_attention"
OUTPUT = 0  # gradients flow through ``output``; the contract compares ``lse`` by value
ALL_GRADS = ["0", "1", "2"]
MEMORY_L, MEMORY_D, MEMORY_BLOCK = 8192, 64, 128


def _qkv(rng, batch, lq, lk, d, dv, dtype=F32):
    return (randn(rng, *batch, lq, d, dtype=dtype), randn(rng, *batch, lk, d, dtype=dtype),
            randn(rng, *batch, lk, dv, dtype=dtype))


def _uneven_blocks(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 10, 10, 8, 6), block_size=4)


def _fewer_queries(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 5, 13, 4, 3), block_size=4)


def _more_queries(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 11, 6, 8, 5, F64), block_size=4)


def _growing_maximum(rng):
    # Positive queries and keys that drift upwards: later blocks hold larger
    # scores, so the running maximum grows block after block for almost every query.
    lq, lk, d = 6, 12, 4
    q = randn(rng, 2, lq, d, dtype=F64).abs()
    drift = torch.linspace(0.0, 1.5, lk, dtype=F64).unsqueeze(-1)  # (Lk, 1)
    k = randn(rng, 2, lk, d, dtype=F64, scale=0.5) + drift
    return call(SYMBOL, q, k, randn(rng, 2, lk, 3, dtype=F64), block_size=3)


def _causal_hidden_blocks(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 12, 12, 8, 4), causal=True, block_size=4)


def _causal_fewer_queries(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 5, 11, 4, 4, F64), causal=True, block_size=3)


def _causal_more_queries(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 11, 5, 4, 3, F64), causal=True, block_size=2)


def _causal_odd_width(rng):
    # D = 3: a float32 sqrt(3) is off by ~2e-8 of itself, beyond float64's tolerance
    return call(SYMBOL, *_qkv(rng, (2,), 7, 7, 3, 4, F64), causal=True, block_size=3)


def _block_of_one(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 4, 7, 8, 5, F64), block_size=1)


def _default_block_size(rng):
    # Lk = 9 < the default block_size of 64: one block holds every key.
    return call(SYMBOL, *_qkv(rng, (3,), 5, 9, 4, 6))


def _no_batch(rng):
    return call(SYMBOL, *_qkv(rng, (), 7, 9, 8, 4), causal=True, block_size=4)


def _two_batch_dims(rng):
    return call(SYMBOL, *_qkv(rng, (2, 3), 6, 8, 4, 5), block_size=3)


def _unchanged_inputs(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 6, 9, 4, 4, F64), causal=True, block_size=4)


def _grads_f64(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 5, 7, 4, 3, F64), block_size=3, grad=ALL_GRADS, grad_seed=3,
                grad_output=OUTPUT)


def _grads_causal_f32(rng):
    return call(SYMBOL, *_qkv(rng, (2,), 6, 6, 8, 4), causal=True, block_size=4, grad=ALL_GRADS,
                grad_seed=5, grad_output=OUTPUT)


def _huge_scores(rng):
    q, k = huge_scores_qk(rng, 2, lq=6, lk=10)
    return call(SYMBOL, q, k, randn(rng, 2, 10, 3), block_size=4, grad=ALL_GRADS, grad_seed=7,
                grad_output=OUTPUT)


def _huge_scores_causal(rng):
    q, k = huge_scores_qk(rng, 2, lq=9, lk=9, dtype=F64)
    return call(SYMBOL, q, k, randn(rng, 2, 9, 4, dtype=F64), causal=True, block_size=2)


def _scores_near_floor(rng):
    q, k = scores_below_minus_1e4(rng, 2, lq=8, lk=8, dtype=F64)
    return call(SYMBOL, q, k, randn(rng, 2, 8, 3, dtype=F64), causal=True, block_size=3)


def _future_keys_above_zero(rng):
    # D = 16 and key j = 4·e_j, so query i holds its scaled scores: -1e4 - {0..3} for the keys
    # j <= i, 0 … 3 for the future ones. A future key filled with -1e4, or shifted by an added
    # -1e4, then ties with or beats the allowed ones (12.17 catches only the fill). In float64.
    allowed = causal_mask(10).expand(2, 10, 10)
    q, k = one_hot_keys(scores_either_side(rng, allowed), 16)
    return call(SYMBOL, q, k, randn(rng, 2, 10, 3, dtype=F64), causal=True, block_size=3)


def _bad_block_size(rng):
    # not 0, which the public test has and range(0, Lk, 0) refuses by itself: a negative step
    # makes an empty loop, which only a check of block_size turns into the ValueError
    return call(SYMBOL, *_qkv(rng, (1,), 3, 4, 4, 2), block_size=-1)


def _memory(causal):
    def make(rng):
        q, k, v = long_inputs(rng, (MEMORY_L, MEMORY_D), (MEMORY_L, MEMORY_D), (MEMORY_L, MEMORY_D))
        return call(SYMBOL, q, k, v, causal=causal, block_size=MEMORY_BLOCK, measure_memory=True)

    return make


MEMORY_HINT = t(
    "Keep only one (Lq, block_size) block of scores at a time, plus the running maximum, "
    "denominator and output; no (Lq, Lk) tensor, not even a boolean causal mask.",
    "任何时刻只保留一个 (Lq, block_size) 的得分块，再加上运行最大值、运行分母和运行输出；"
    "不要构造 (Lq, Lk) 的张量，布尔因果掩码也不行。")
MEMORY_CHECK = values_within_memory("flash.materialises_scores", MEMORY_HINT)

CASES = [
    Case("12.1", t("block_size does not divide Lk", "block_size 不能整除 Lk"), 1.0, _uneven_blocks,
         tags=("blocks",),
         hint=t("The last block is shorter: slice k[..., start:start + block_size, :] and let the "
                "slice stop at Lk.",
                "最后一个块更短：切片 k[..., start:start + block_size, :]，让切片在 Lk 处自然截止。")),
    Case("12.2", t("fewer queries than keys (Lq < Lk)", "查询少于键（Lq < Lk）"), 1.0, _fewer_queries,
         tags=("shapes",),
         hint=t("The running statistics have one entry per query: shape (*B, Lq), and (*B, Lq, Dv) "
                "for the output.",
                "运行统计量每个查询一个：形状为 (*B, Lq)，运行输出为 (*B, Lq, Dv)。")),
    Case("12.3", t("more queries than keys (Lq > Lk), float64", "查询多于键（Lq > Lk），float64"), 1.0,
         _more_queries, tags=("shapes", "dtype"),
         hint=t("Create the running tensors with the inputs' dtype (q.new_zeros, q.new_full).",
                "用输入的 dtype 创建运行张量（q.new_zeros、q.new_full）。")),
    Case("12.4", t("the maximum grows block after block", "最大值逐块增大"), 1.0, _growing_maximum,
         tags=("online-softmax",),
         hint=t("When a block raises the running maximum from m to m_new, everything summed so far "
                "was relative to m: multiply both the running denominator and the running output "
                "by exp(m - m_new).",
                "当某个块把运行最大值从 m 提高到 m_new 时，之前累加的一切都是相对于 m 的："
                "运行分母和运行输出都要乘以 exp(m - m_new)。")),
    Case("12.5", t("causal: whole key blocks hidden from the first queries",
                   "因果：前几个查询完全看不到某些键块"), 1.0, _causal_hidden_blocks,
         tags=("causal",),
         hint=t("A block a query cannot see must add nothing and must not produce nan: with the "
                "scores at -inf its maximum is -inf, so keep the running maximum, not the block's, "
                "in exp().",
                "查询完全看不到的块不应贡献任何东西，也不能产生 nan：这些得分为 -inf，块内最大值也是 "
                "-inf，所以 exp() 里要减去运行最大值，而不是块内最大值。")),
    Case("12.6", t("causal with Lq < Lk, top-left aligned", "因果，Lq < Lk，左上角对齐"), 1.0,
         _causal_fewer_queries, tags=("causal", "shapes"),
         hint=t("Query i sees key j when j <= i, counting both from 0 (the alignment of "
                "F.scaled_dot_product_attention(is_causal=True)), whatever Lq and Lk are.",
                "查询 i 能看到键 j 当且仅当 j <= i，两者都从 0 开始计数（与 "
                "F.scaled_dot_product_attention(is_causal=True) 的对齐方式相同），与 Lq、Lk 无关。")),
    Case("12.7", t("causal with Lq > Lk, top-left aligned", "因果，Lq > Lk，左上角对齐"), 0.5,
         _causal_more_queries, tags=("causal", "shapes")),
    Case("12.8", t("block_size = 1 (one key per block)", "block_size = 1（每块只有一个键）"), 0.5, _block_of_one, tags=("blocks",),
         hint=t("With one key per block the maximum changes often: rescale every time it grows.",
                "每块只有一个键时最大值经常变化：每次增大都要重新缩放。")),
    Case("12.9", t("default block_size, larger than Lk", "默认 block_size，大于 Lk"), 0.5,
         _default_block_size, tags=("blocks",),
         hint=t("block_size defaults to 64; a single block then holds every key.",
                "block_size 默认为 64；此时一个块就包含所有键。")),
    Case("12.10", t("no batch dimension, causal", "没有批维度，因果"), 0.5, _no_batch,
         tags=("shapes", "causal"),
         hint=t("Index axes from the end (-2, -1) so that any number of batch dimensions works.",
                "从末尾索引维度（-2、-1），这样任意数量的批维度都能处理。")),
    Case("12.11", t("two batch dimensions", "两个批维度"), 0.5, _two_batch_dims, tags=("shapes",)),
    Case("12.12", t("q, k and v are left unchanged", "q、k、v 保持不变"), 0.5, _unchanged_inputs,
         check=inputs_left_unchanged(), tags=("inputs",),
         hint=t("Scale the scores, not q in place (no q *= …, q.mul_(…) or writes into k or v).",
                "缩放得分，而不是原地缩放 q（不要 q *= …、q.mul_(…)，也不要写入 k 或 v）。")),
    Case("12.13", t("gradients of q, k, v through output (float64)",
                    "经 output 对 q、k、v 求梯度（float64）"), 1.0, _grads_f64,
         tags=("gradients",),
         hint=t("Autograd follows the loop: build every running value with out-of-place torch "
                "operations (no .detach(), .data or in-place updates of tensors autograd saved).",
                "autograd 会沿着循环反向传播：所有运行量都用非原地的 torch 运算构造（不要 .detach()、"
                ".data，也不要原地修改 autograd 保存的张量）。")),
    Case("12.14", t("gradients through causal blocks (float32)", "经因果块求梯度（float32）"), 1.0,
         _grads_causal_f32, tags=("gradients", "causal"),
         hint=t("Blocked scores must be -inf before exp(), so that their gradient is 0 too.",
                "被屏蔽的得分在 exp() 之前必须是 -inf，这样它们的梯度也是 0。")),
    Case("12.15", t("scores up to 1e4 stay finite (float32, gradients too)",
                    "得分高达 1e4 时仍为有限值（float32，含梯度）"), 1.0, _huge_scores,
         check=all_finite(), tags=("stability",),
         hint=t("Exponentiate scores minus the running maximum, never the raw scores.",
                "对“得分减去运行最大值”取指数，绝不要直接对原始得分取指数。")),
    Case("12.16", t("scores up to 1e4, causal (float64)", "得分高达 1e4，因果（float64）"), 0.5,
         _huge_scores_causal, check=all_finite(compare_where_exact=True), tags=("stability", "causal")),
    Case("12.17", t("allowed scores near -1e4 next to blocked keys (D = 1, float64)",
                    "允许的得分接近 -1e4，旁边是被屏蔽的键（D = 1，float64）"), 1.0, _scores_near_floor,
         check=all_finite(compare_where_exact=True), tags=("stability", "causal"),
         hint=t("Block with -inf (or a value below any legal score): a fill of -1e4 ties with "
                "allowed scores of -1e4.",
                "用 -inf（或低于任何合法得分的值）屏蔽：填 -1e4 会与 -1e4 的合法得分打平。")),
    Case("12.18", t("block_size < 1 raises ValueError", "block_size < 1 时抛出 ValueError"), 0.5,
         _bad_block_size,
         check=raises("ValueError", why=t("block_size=-1 gives no blocks", "block_size=-1 无法分块")),
         tags=("errors",),
         hint=t("Check block_size before the loop and raise ValueError.",
                "在循环之前检查 block_size，并抛出 ValueError。")),
    Case("12.19", t("memory: Lq = Lk = 8192, not causal, under 64 MiB",
                    "内存：Lq = Lk = 8192，非因果，低于 64 MiB"), 2.0, _memory(False),
         check=MEMORY_CHECK, tags=("memory",), hint=MEMORY_HINT),
    Case("12.20", t("memory: Lq = Lk = 8192, causal, under 64 MiB",
                    "内存：Lq = Lk = 8192，因果，低于 64 MiB"), 2.0, _memory(True),
         check=MEMORY_CHECK, tags=("memory", "causal"), hint=MEMORY_HINT),
    Case("12.21", t("causal, D = 3 (not a perfect square), float64",
                    "因果，D = 3（不是完全平方数），float64"), 0.5, _causal_odd_width,
         tags=("causal", "dtype"), hint=EXACT_SQRT_HINT),
    Case("12.22", t("causal: allowed scores near -1e4, future keys at 0 and above (D = 16, float64)",
                    "因果：允许的得分接近 -1e4，未来的键得分不低于 0（D = 16，float64）"), 1.0,
         _future_keys_above_zero, check=all_finite(compare_where_exact=True), tags=("stability", "causal"),
         hint=FINITE_FILL_HINT),
]
