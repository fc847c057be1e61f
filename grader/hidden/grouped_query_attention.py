"""Hidden cases for grouped_query_attention (problem 5).

Most cases have 1 < num_kv_heads < num_heads, where the grouping of query heads
matters; multi-query (num_kv_heads = 1) and ordinary multi-head (num_kv_heads =
num_heads) are covered too. Masks given together with causal=True keep the
diagonal, so every query row keeps at least one key. Two cases put every allowed
score at -1e4 or below next to blocked keys (a mask in 5.17, causal=True in 5.18),
so a finite fill of -1e4 ties with or beats them; 5.19 puts the future keys at 0
and above, so that an added -1e4 (BERT's additive mask) does too.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import all_finite, batch_independent, raises
from grader.hidden._inputs import causal_mask, randn, random_mask
from grader.hidden._large_scores import (one_hot_keys, position_tokens, reads_position, scores_below_minus_1e4,
                                         scores_either_side)
from grader.hidden._modules import linear_state
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "GroupedQueryAttention"


def _state(rng, embed_dim, heads, kv_heads, bias, dtype):
    kv_dim = kv_heads * (embed_dim // heads)
    state = linear_state(rng, "q_proj", embed_dim, embed_dim, bias=bias, dtype=dtype)
    state |= linear_state(rng, "k_proj", embed_dim, kv_dim, bias=bias, dtype=dtype)
    state |= linear_state(rng, "v_proj", embed_dim, kv_dim, bias=bias, dtype=dtype)
    state |= linear_state(rng, "out_proj", embed_dim, embed_dim, bias=bias, dtype=dtype)
    return state


def _gqa(rng, embed_dim, heads, kv_heads, batch, length, *, bias=False, dtype=F32, kwargs=None,
         grad=None, param_grads=False, grad_seed=0):
    state = _state(rng, embed_dim, heads, kv_heads, bias, dtype)
    x = randn(rng, batch, length, embed_dim, dtype=dtype)
    init_kwargs = {"bias": True} if bias else {}
    return module_call(SYMBOL, (embed_dim, heads, kv_heads), init_kwargs, state_dict=state,
                       dtype=dtype, args=(x,), kwargs=kwargs, grad=grad, param_grads=param_grads,
                       grad_seed=grad_seed)


def _with_diagonal(mask):
    """The mask with every query allowed to see its own position."""
    length = mask.shape[-1]
    return mask | torch.eye(length, dtype=torch.bool)


def _groups_of_two(rng):
    return _gqa(rng, 16, 4, 2, 2, 5)


def _three_groups(rng):
    return _gqa(rng, 12, 6, 3, 2, 4, dtype=F64)


def _groups_of_four(rng):
    return _gqa(rng, 16, 8, 2, 2, 4)


def _multi_query(rng):
    return _gqa(rng, 12, 4, 1, 3, 5)


def _multi_head(rng):
    return _gqa(rng, 8, 4, 4, 2, 5)


def _bias(rng):
    return _gqa(rng, 12, 4, 2, 2, 4, bias=True)


def _causal(rng):
    return _gqa(rng, 16, 4, 2, 2, 6, dtype=F64, kwargs={"causal": True})


def _causal_multi_query(rng):
    return _gqa(rng, 8, 2, 1, 2, 5, kwargs={"causal": True})


def _mask_2d(rng):
    return _gqa(rng, 16, 4, 2, 2, 6, kwargs={"mask": random_mask(rng, 6, 6)})


def _mask_per_batch(rng):
    return _gqa(rng, 12, 6, 3, 2, 5, dtype=F64, kwargs={"mask": random_mask(rng, 2, 1, 5, 5)})


def _mask_and_causal(rng):
    mask = _with_diagonal(random_mask(rng, 2, 1, 6, 6, p_keep=0.5))
    return _gqa(rng, 16, 4, 2, 2, 6, kwargs={"mask": mask, "causal": True})


def _grads_f64(rng):
    return _gqa(rng, 12, 4, 2, 2, 5, bias=True, dtype=F64, kwargs={"causal": True},
                grad=["0"], param_grads=True, grad_seed=3)


def _grads_masked_f32(rng):
    return _gqa(rng, 16, 8, 4, 2, 4, kwargs={"mask": random_mask(rng, 4, 4)}, grad=["0"],
                param_grads=True, grad_seed=5)


def _bad_embed_dim(rng):
    return module_call(SYMBOL, (10, 4, 2), args=None)


def _bad_kv_heads(rng):
    return module_call(SYMBOL, (12, 4, 3), args=None)


def _allowed_scores_at_minus_1e4(rng):
    # head_dim = 1, an identity q_proj and a k_proj that copies features 0 and 2; every
    # token is 100, -100 or 0 in all of its features, so every head scores tokens i and
    # j with x[i, 0] · x[j, 0], exactly -1e4, 1e4 or 0. A query of ±100 may attend to
    # some of the tokens scoring -1e4 only; a zero token (all scores 0) to any of them.
    # There is no catalogued ID for it, but a blocked score filled with -1e4 (or shifted
    # by BERT's additive -10000) then ties with or outranks the allowed ones. In float64
    # (see problem 1's 1.17).
    E, H, Hkv = 4, 4, 2
    B, L = 2, 6
    values = torch.tensor([100.0, 100.0, -100.0, -100.0, 0.0, 0.0], dtype=F64)
    x = torch.stack([values[torch.randperm(L, generator=rng)] for _ in range(B)])  # (B, L)
    scores = x.unsqueeze(-1) * x.unsqueeze(-2)  # (B, L, L), the same in every head
    lowest = scores == -1e4
    candidates = torch.where(lowest.any(-1, keepdim=True), lowest, True).unsqueeze(1)  # (B, 1, L, L)
    mask = (torch.rand(B, H, L, L, generator=rng) < 0.5) & candidates  # (B, H, L, L)
    first = candidates.int().argmax(-1, keepdim=True).expand(B, H, L, 1)
    mask = mask.scatter(-1, first, True)  # every query keeps at least one key
    state = {"q_proj.weight": torch.eye(E, dtype=F64), "k_proj.weight": torch.eye(E, dtype=F64)[[0, 2]]}
    state |= linear_state(rng, "v_proj", E, Hkv, bias=False, dtype=F64)
    state |= linear_state(rng, "out_proj", E, E, bias=False, dtype=F64)
    x = x.unsqueeze(-1).expand(B, L, E).contiguous()  # (B, L, E)
    return module_call(SYMBOL, (E, H, Hkv), state_dict=state, dtype=F64, args=(x,), kwargs={"mask": mask},
                       grad=["0"], grad_seed=13)


def _causal_scores_below_minus_1e4(rng):
    # head_dim = 1; x = (100, 100, k0, k1) with k0, k1 in {-102, -101, -100}, query heads
    # read 100 and key/value head g reads k_g, so query heads 0, 1 score key j 100·k0[j]
    # and heads 2, 3 score it 100·k1[j]: every score, allowed or future, lies in
    # [-10200, -10000], and a future key filled with -1e4 ties with or beats the allowed
    # ones. In float64.
    E, H, Hkv = 4, 4, 2
    B, L = 2, 6
    q, k = scores_below_minus_1e4(rng, B, Hkv, lq=L, lk=L, dtype=F64)  # (B, Hkv, L, 1)
    x = torch.cat([q, k], dim=1).squeeze(-1).transpose(1, 2).contiguous()  # (B, L, 2 Hkv)
    pick = torch.eye(E, dtype=F64)
    state = {"q_proj.weight": pick[[0, 0, 1, 1]], "k_proj.weight": pick[[2, 3]]}
    state |= linear_state(rng, "v_proj", E, Hkv, bias=False, dtype=F64)
    state |= linear_state(rng, "out_proj", E, E, bias=False, dtype=F64)
    return module_call(SYMBOL, (E, H, Hkv), state_dict=state, dtype=F64, args=(x,),
                       kwargs={"causal": True}, grad=["0"], grad_seed=17)


def _causal_future_above_zero(rng):
    # head_dim = 4, L = 4: token i is the unit vector e_i (then random integers the query and
    # key projections ignore), key j is 2·e_j in every key/value head and query head h holds
    # row i of its own scaled scores: -1e4 - {0..3} for j <= i, 0 … 3 for the future keys.
    # A future key filled with -1e4, or shifted by an added -1e4, then ties with or beats the
    # allowed ones (5.18 catches only the fill). In float64.
    E, H, Hkv, hd = 16, 4, 2, 4
    B, L = 2, 4
    q, k = one_hot_keys(scores_either_side(rng, causal_mask(L).expand(H, L, L)), hd)  # (H, L, hd), (H, L, hd)
    state = {"q_proj.weight": reads_position(q.transpose(0, 1).reshape(L, E), E),
             "k_proj.weight": reads_position(k[:Hkv].transpose(0, 1).reshape(L, Hkv * hd), E)}
    state |= linear_state(rng, "v_proj", E, Hkv * hd, bias=False, dtype=F64)
    state |= linear_state(rng, "out_proj", E, E, bias=False, dtype=F64)
    x = position_tokens(rng, B, L, E)
    return module_call(SYMBOL, (E, H, Hkv), state_dict=state, dtype=F64, args=(x,),
                       kwargs={"causal": True}, grad=["0"], grad_seed=19)


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _gqa(rng, 16, 4, 2, 2, 5, kwargs={"causal": True})
    (x,) = invocation.args
    return replace(invocation, args=(torch.cat([x, x[:1]]),))


CASES = [
    Case("5.1", t("4 query heads sharing 2 key/value heads", "4 个查询头共用 2 个键/值头"), 1.0,
         _groups_of_two, tags=("groups",),
         hint=t("Query head h reads key/value head h // (num_heads // num_kv_heads).",
                "查询头 h 读取键/值头 h // (num_heads // num_kv_heads)。")),
    Case("5.2", t("6 query heads, 3 key/value heads (float64)", "6 个查询头，3 个键/值头（float64）"), 1.0,
         _three_groups, tags=("groups", "dtype"),
         hint=t("Consecutive query heads share a key/value head: repeat_interleave, not repeat.",
                "相邻的查询头共用一个键/值头：用 repeat_interleave，而不是 repeat。")),
    Case("5.3", t("8 query heads, 2 key/value heads", "8 个查询头，2 个键/值头"), 1.0, _groups_of_four,
         tags=("groups",)),
    Case("5.4", t("one key/value head (multi-query attention)", "只有一个键/值头（多查询注意力）"), 1.0,
         _multi_query, tags=("groups",),
         hint=t("With num_kv_heads = 1 every query head uses the same keys and values.",
                "num_kv_heads = 1 时，每个查询头都使用同样的键和值。")),
    Case("5.5", t("as many key/value heads as query heads (multi-head)",
                  "键/值头与查询头一样多（多头注意力）"), 0.5, _multi_head, tags=("groups",)),
    Case("5.6", t("bias=True on every projection", "每个投影都 bias=True"), 0.5, _bias,
         tags=("parameters",),
         hint=t("Pass bias=bias to all four torch.nn.Linear layers.",
                "给四个 torch.nn.Linear 层都传入 bias=bias。")),
    Case("5.7", t("causal=True (float64)", "因果：causal=True（float64）"), 1.0, _causal,
         tags=("causal", "dtype"),
         hint=t("causal=True lets query i attend to keys j <= i: the past and itself.",
                "causal=True 时，查询 i 可以关注 j <= i 的键 j：过去和它自己。")),
    Case("5.8", t("causal multi-query attention", "因果的多查询注意力"), 0.5, _causal_multi_query,
         tags=("causal",)),
    Case("5.9", t("mask of shape (L, L)", "形状为 (L, L) 的掩码"), 1.0, _mask_2d, tags=("mask",),
         hint=t("True means 'may attend'; block ~mask with -inf before the softmax.",
                "True 表示“可以关注”；在 softmax 之前用 -inf 屏蔽 ~mask 的位置。")),
    Case("5.10", t("mask of shape (B, 1, L, L) (float64)", "形状为 (B, 1, L, L) 的掩码（float64）"), 0.5,
         _mask_per_batch, tags=("mask", "dtype")),
    Case("5.11", t("mask and causal together", "掩码与因果同时使用"), 1.0, _mask_and_causal,
         tags=("mask", "causal"),
         hint=t("A key is allowed only if the mask allows it and it is not in the future.",
                "只有掩码允许并且不在未来的键才被允许。")),
    Case("5.12", t("gradients of x and every parameter (float64, causal)",
                   "x 和每个参数的梯度（float64，因果）"), 1.0, _grads_f64, tags=("gradients",),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只使用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("5.13", t("gradients through a mask (float32)", "经过掩码的梯度（float32）"), 1.0,
         _grads_masked_f32, tags=("gradients", "mask")),
    Case("5.14", t("embed_dim not divisible by num_heads raises ValueError",
                   "embed_dim 不能被 num_heads 整除时抛出 ValueError"), 0.5, _bad_embed_dim,
         check=raises("ValueError", why=t("embed_dim=10 cannot be split into 4 heads",
                                          "embed_dim=10 无法切分成 4 个头")),
         tags=("errors",)),
    Case("5.15", t("num_heads not divisible by num_kv_heads raises ValueError",
                   "num_heads 不能被 num_kv_heads 整除时抛出 ValueError"), 0.5, _bad_kv_heads,
         check=raises("ValueError", why=t("3 key/value heads cannot be shared by 4 query heads",
                                          "4 个查询头无法平分 3 个键/值头")),
         tags=("errors",),
         hint=t("Check num_heads % num_kv_heads in __init__ as well.",
                "在 __init__ 中也要检查 num_heads % num_kv_heads。")),
    Case("5.16", t("batch elements are independent", "批中各元素相互独立"), 0.5, _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("5.17", t("allowed scores of -1e4 next to blocked keys (head_dim = 1, float64)",
                   "允许的得分为 -1e4，旁边是被屏蔽的键（head_dim = 1，float64）"), 1.0,
         _allowed_scores_at_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "mask"),
         hint=FINITE_FILL_HINT),
    Case("5.18", t("causal: allowed scores of -1e4 and below next to future keys (head_dim = 1, float64)",
                   "因果：允许的得分不高于 -1e4，旁边是未来的键（head_dim = 1，float64）"), 1.0,
         _causal_scores_below_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"),
         hint=FINITE_FILL_HINT),
    Case("5.19", t("causal: allowed scores near -1e4, future keys at 0 and above (head_dim = 4, float64)",
                   "因果：允许的得分接近 -1e4，未来的键得分不低于 0（head_dim = 4，float64）"), 1.0,
         _causal_future_above_zero, check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"),
         hint=FINITE_FILL_HINT),
]
