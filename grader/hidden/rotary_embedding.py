"""Hidden cases for rotary_embedding (problem 10).

Every case where a catalogued mistake must show has D >= 4 (with one pair the
half-split layout and the i/D exponent are both right) and, where
``rope.positions_ignored`` must show, positions other than 0 … L-1. float32 is
compared only for positions below 32: a float32 angle p · θ_i is a common,
acceptable formula whose error grows with p and leaves the float32 tolerance at
positions 64–127 (tests/test_crosscheck_rotary_embedding.py measures it).
Larger positions, up to 50,000, are asked for in float64.

Two invariants are checked on the candidate's own outputs (:mod:`grader.hidden._rope`):
each feature pair keeps its norm, and on a batch built of one query vector
repeated at every position and one key vector repeated likewise, the dot
product of the query at position m with the key at position n depends only on
m - n.

Every case runs in one process, in this order, so tables of cos and sin cached
across calls carry over from one case to the next. The last two run at a head
size earlier cases used: 10.17 with another base at a D and dtype used with the
default base (a cache that ignores the base), 10.18 in float64 at a D used in
float32 only (a cache that ignores the dtype), both at positions the earlier
cases are sure to have filled.
"""

import torch

from grader.cases import Case, call
from grader.checks import match_reference, property_then, raises
from grader.hidden._inputs import randn
from grader.hidden._rope import float32_angles_named, pairs_keep_their_norm, scores_depend_on_offset_only
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "apply_rotary_embedding"
FLOAT32_POSITIONS = 32  # float32 is compared only below this position (problems.md)


def _between(rng, low, high):
    """An int in [low, high] drawn from the case's generator."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def _distinct_sorted(rng, count, below):
    """``count`` distinct positions from 0 … below-1, in increasing order (gaps between them)."""
    return torch.randperm(below, generator=rng)[:count].sort().values


def _rope(rng, *shape, positions, dtype=F32, **kwargs):
    return call(SYMBOL, randn(rng, *shape, dtype=dtype), positions, **kwargs)


def _no_batch(rng):
    L = _between(rng, 5, 9)
    return _rope(rng, L, 8, positions=torch.arange(L))


def _one_batch_dim(rng):
    L = _between(rng, 4, 8)
    return _rope(rng, 3, L, 6, positions=torch.arange(L))


def _two_batch_dims(rng):
    # (B, H, L, hd), the layout of the queries and keys of a multi-head layer
    return _rope(rng, 2, 3, 5, 8, positions=_distinct_sorted(rng, 5, 200), dtype=F64)


def _cache_offset(rng):
    # Decoding with a cache: the new tokens continue at 37, 38, …
    L = _between(rng, 3, 6)
    return _rope(rng, 2, L, 8, positions=torch.arange(37, 37 + L), dtype=F64)


def _gaps_float32(rng):
    return _rope(rng, 3, 6, 8, positions=_distinct_sorted(rng, 6, FLOAT32_POSITIONS))


def _repeated_unordered(rng):
    positions = torch.randint(0, FLOAT32_POSITIONS, (7,), generator=rng)
    positions[3] = positions[0]  # the same position twice, rotated twice alike
    return _rope(rng, 2, 7, 4, positions=positions)


def _all_zero(rng):
    return _rope(rng, 2, 5, 8, positions=torch.zeros(5, dtype=torch.int64))


def _relative_offsets(rng):
    # Batch element 0 repeats one vector q at every position, element 1 one vector k.
    # Three pairs of tokens are `gap` positions apart but 1, 2 and 2 indices apart, so
    # rotating by the index instead of the position breaks the invariant.
    gap = _between(rng, 1, 9)
    a, b, c = (_distinct_sorted(rng, 3, 400) * 10).tolist()  # multiples of 10: no two coincide
    positions = torch.tensor([a, a + gap, b, c, b + gap, c + gap])
    q, k = randn(rng, 1, 1, 8, dtype=F64), randn(rng, 1, 1, 8, dtype=F64)
    x = torch.cat([q.expand(1, 6, 8), k.expand(1, 6, 8)])  # (2, 6, 8)
    return call(SYMBOL, x, positions)


def _norms(rng):
    return _rope(rng, 4, 6, 8, positions=_distinct_sorted(rng, 6, FLOAT32_POSITIONS))


def _far_positions(rng):
    positions = _distinct_sorted(rng, 6, 50_000)
    positions[-1] = 50_000
    return _rope(rng, 2, 6, 64, positions=positions, dtype=F64)


def _one_pair(rng):
    return _rope(rng, 3, 6, 2, positions=_distinct_sorted(rng, 6, 1000), dtype=F64)


def _other_base(rng):
    return _rope(rng, 2, 5, 16, positions=_distinct_sorted(rng, 5, 8192), dtype=F64,
                 base=500000.0)


def _wide_head(rng):
    L = _between(rng, 4, 8)
    return _rope(rng, 2, L, 128, positions=torch.arange(4096, 4096 + L), dtype=F64)


def _grad_float64(rng):
    positions = _distinct_sorted(rng, 5, 300)
    return call(SYMBOL, randn(rng, 2, 2, 5, 8, dtype=F64), positions, grad=["0"], grad_seed=3)


def _grad_float32(rng):
    positions = _distinct_sorted(rng, 6, FLOAT32_POSITIONS)
    return call(SYMBOL, randn(rng, 3, 6, 6), positions, grad=["0"], grad_seed=5)


def _other_base_after_default(rng):
    # Tests 10.3, 10.4, 10.8 and 10.14 ran at D = 8 in float64 with the default base, 10.4 at
    # positions 37 … 39 at least: cos and sin tables cached on (D, dtype) alone, whatever the base,
    # already hold every position below 40 and would be used here unchanged.
    return _rope(rng, 2, 5, 8, positions=_distinct_sorted(rng, 5, 40), dtype=F64, base=1_000_000.0)


def _float64_after_float32(rng):
    # Tests 10.2 and 10.15 ran at D = 6 in float32 only, 10.15 at six positions below 32, the
    # largest at least 5: tables cached on (D, base) alone, in the first caller's dtype, already
    # hold positions 0 … 5 in float32 and would be used here for float64.
    return _rope(rng, 3, 6, 6, positions=torch.randperm(6, generator=rng), dtype=F64)


def _odd(rng):
    return call(SYMBOL, randn(rng, 2, 4, 2 * _between(rng, 1, 6) + 1), torch.arange(4))


_ROTATE_BY_POSITION = t("Rotate token t by positions[t] · theta_i, whatever its index t is.",
                        "第 t 个词元按 positions[t] · theta_i 旋转，与它的下标 t 无关。")

CASES = [
    Case("10.1", t("no batch dimension: x of shape (L, D), positions 0 … L−1",
                   "没有批维度：x 的形状为 (L, D)，位置 0 … L−1"), 1.0, _no_batch,
         tags=("shapes", "values"),
         hint=t("Pair i is features (2i, 2i+1) and turns by theta_i = base^(-2i/D) per position.",
                "第 i 对是特征 (2i, 2i+1)，每个位置转 theta_i = base^(-2i/D)。")),
    Case("10.2", t("one batch dimension (B, L, D), D = 6", "一个批维度 (B, L, D)，D = 6"), 1.0,
         _one_batch_dim, tags=("shapes", "values"),
         hint=t("The angles have shape (L, D/2) and broadcast over the batch dimensions.",
                "角度的形状为 (L, D/2)，在批维度上广播。")),
    Case("10.3", t("two batch dimensions (B, H, L, D), float64", "两个批维度 (B, H, L, D)，float64"),
         1.0, _two_batch_dims, tags=("shapes", "dtype"),
         hint=t("Index the features with ... so that any number of batch dimensions works; keep "
                "x's dtype.",
                "用 ... 索引特征维，这样任意多个批维度都能处理；保持 x 的 dtype。")),
    Case("10.4", t("a cache continuing at positions 37, 38, … (float64)",
                   "缓存从位置 37、38……继续（float64）"), 1.0, _cache_offset,
         tags=("positions",), hint=_ROTATE_BY_POSITION),
    Case("10.5", t("positions with gaps (float32)", "有间隔的位置（float32）"), 1.0, _gaps_float32,
         tags=("positions",), hint=_ROTATE_BY_POSITION),
    Case("10.6", t("unordered positions, one of them repeated", "无序的位置，其中一个重复出现"), 0.5,
         _repeated_unordered, tags=("positions",), hint=_ROTATE_BY_POSITION),
    Case("10.7", t("position 0 everywhere leaves x unchanged", "全部位于位置 0 时 x 保持不变"), 0.5,
         _all_zero, tags=("positions", "values"),
         hint=t("At position 0 every angle is 0, so nothing turns.",
                "在位置 0 处所有角度都是 0，所以什么都不转。")),
    Case("10.8", t("⟨rope(q, m), rope(k, n)⟩ depends only on m − n (float64)",
                   "⟨rope(q, m), rope(k, n)⟩ 只取决于 m − n（float64）"), 1.0, _relative_offsets,
         check=float32_angles_named(property_then(scores_depend_on_offset_only(), match_reference())),
         tags=("invariant",),
         hint=t("Rotate by the angle of each token's own position; a rotation by m·θ followed by "
                "the inverse of n·θ leaves a rotation by (m − n)·θ.",
                "按每个词元自己的位置对应的角度旋转；先转 m·θ 再转回 n·θ，剩下的是转 (m − n)·θ。")),
    Case("10.9", t("every feature pair keeps its norm (float32)",
                   "每一对特征的范数保持不变（float32）"), 1.0, _norms,
         check=property_then(pairs_keep_their_norm(), match_reference()), tags=("invariant",),
         hint=t("Rotate adjacent features (2i, 2i+1) together: a rotation keeps the length of the "
                "pair it turns.",
                "相邻的特征 (2i, 2i+1) 要一起旋转：旋转保持被旋转那一对的长度。")),
    Case("10.10", t("positions up to 50,000 (float64, D = 64)", "位置可达 50,000（float64，D = 64）"),
         1.0, _far_positions, check=float32_angles_named(), tags=("positions", "precision", "dtype"),
         hint=t("Compute the angles in float64: in float32, 50,000 · theta_i keeps only two or "
                "three decimals.",
                "用 float64 计算角度：在 float32 中，50,000 · theta_i 只剩两三位小数。")),
    Case("10.11", t("D = 2: a single pair (float64)", "D = 2：只有一对特征（float64）"), 0.5,
         _one_pair, tags=("shapes",),
         hint=t("With one pair theta_0 = 1: the pair turns one radian per position.",
                "只有一对时 theta_0 = 1：这一对每个位置转 1 弧度。")),
    Case("10.12", t("another base: base = 500000 (float64)", "另一个底数：base = 500000（float64）"),
         0.5, _other_base, check=float32_angles_named(),
         tags=("values", "base"),
         hint=t("Use the base argument in place of 10000.", "用参数 base 代替 10000。")),
    Case("10.13", t("a wide head, D = 128, at positions 4096 … (float64)",
                    "宽的头，D = 128，位置从 4096 开始（float64）"), 0.5, _wide_head,
         check=float32_angles_named(), tags=("values", "precision"),
         hint=t("The exponent of pair i is -2i/D, so the last pair turns at almost 1/base.",
                "第 i 对的指数是 -2i/D，所以最后一对的转速接近 1/base。")),
    Case("10.14", t("gradient of x (float64, two batch dimensions)",
                    "x 的梯度（float64，两个批维度）"), 1.0, _grad_float64, tags=("gradients",),
         hint=t("Stay within differentiable torch operations on x; never .detach() or use .data.",
                "对 x 只使用可微的 torch 运算；不要 .detach() 或使用 .data。")),
    Case("10.15", t("gradient of x (float32)", "x 的梯度（float32）"), 1.0, _grad_float32,
         tags=("gradients",),
         hint=t("Build the result from x with out-of-place operations (e.g. torch.stack), not by "
                "writing into a preallocated tensor that loses the graph.",
                "用非原地的运算（例如 torch.stack）从 x 构造结果，不要写进一个丢失计算图的预分配张量。")),
    Case("10.16", t("odd D raises ValueError", "D 为奇数时抛出 ValueError"), 0.5, _odd,
         check=raises("ValueError", why=t("an odd D cannot be split into pairs",
                                          "奇数的 D 无法分成成对的特征")),
         tags=("errors",),
         hint=t("Check x.shape[-1] % 2 before rotating and raise ValueError.",
                "旋转之前检查 x.shape[-1] % 2，并抛出 ValueError。")),
    Case("10.17", t("base = 1000000 at a D and dtype used before with the default base (D = 8, float64)",
                    "在之前用默认底数调用过的 D 与 dtype 上取 base = 1000000（D = 8，float64）"), 0.5,
         _other_base_after_default, check=float32_angles_named(), tags=("values", "base"),
         hint=t("Tables of cos and sin computed for one base are wrong for another: compute them for "
                "every call, or cache them keyed on the base too.",
                "为一个底数算出的 cos 和 sin 表对另一个底数是错的：每次调用都重新计算，或者缓存时把 base 也作为键。")),
    Case("10.18", t("float64 at a D used before in float32 only (D = 6, positions 0 … 5)",
                    "在之前只用 float32 调用过的 D 上使用 float64（D = 6，位置 0 … 5）"), 0.5,
         _float64_after_float32, tags=("dtype",),
         hint=t("Tables of cos and sin rounded to float32 are not precise enough for float64: compute "
                "them for every call, or cache them keyed on the dtype too.",
                "舍入到 float32 的 cos 和 sin 表对 float64 不够精确：每次调用都重新计算，或者缓存时把 dtype 也作为键。")),
]
