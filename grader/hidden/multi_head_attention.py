"""Hidden cases for multi_head_attention (problem 3).

Sequence lengths are multiples of the number of heads wherever it matters, so
that splitting the sequence instead of the features runs (and is wrong) rather
than failing with a shape error; keys differ from values and Lq from Lk so that
every projection is exercised on its own input.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import all_finite, batch_independent, raises
from grader.hidden._inputs import causal_mask, randn, random_mask
from grader.hidden._modules import linear_state
from grader.hidden.scaled_dot_product_attention import EXACT_SQRT_HINT, FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "MultiHeadAttention"
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


def _state(rng, embed_dim, bias=True, dtype=F32):
    state = {}
    for name in PROJECTIONS:
        state |= linear_state(rng, name, embed_dim, embed_dim, bias=bias, dtype=dtype)
    return state


def _mha(rng, embed_dim, heads, batch, lq, lk, *, bias=True, dtype=F32, self_attn=False,
         kwargs=None, grad=None, param_grads=False, grad_seed=0):
    """Module invocation with random weights; cross-attention unless ``self_attn``."""
    state = _state(rng, embed_dim, bias, dtype)
    query = randn(rng, batch, lq, embed_dim, dtype=dtype)
    if self_attn:
        key = value = query
    else:
        key = randn(rng, batch, lk, embed_dim, dtype=dtype)
        value = randn(rng, batch, lk, embed_dim, dtype=dtype)
    init_kwargs = {} if bias else {"bias": False}
    return module_call(SYMBOL, (embed_dim, heads), init_kwargs, state_dict=state, dtype=dtype,
                       args=(query, key, value), kwargs=kwargs, grad=grad,
                       param_grads=param_grads, grad_seed=grad_seed)


def _self_attention(rng):
    return _mha(rng, 8, 2, 2, 4, 4, self_attn=True)


def _cross_attention(rng):
    return _mha(rng, 12, 3, 2, 3, 6)


def _float64(rng):
    return _mha(rng, 16, 4, 2, 4, 8, dtype=F64)


def _float64_head_dim_3(rng):
    # head_dim 3: a float32 sqrt(3) is off by ~2e-8 of itself, beyond float64's tolerance
    return _mha(rng, 6, 2, 2, 4, 6, dtype=F64)


def _no_bias(rng):
    return _mha(rng, 8, 4, 3, 4, 8, bias=False)


def _mask_2d(rng):
    return _mha(rng, 8, 2, 2, 4, 6, kwargs={"mask": random_mask(rng, 4, 6)})


def _mask_per_batch(rng):
    return _mha(rng, 12, 3, 2, 3, 6, kwargs={"mask": random_mask(rng, 2, 1, 3, 6, p_keep=0.5)})


def _mask_per_head(rng):
    return _mha(rng, 8, 2, 2, 4, 4, dtype=F64, kwargs={"mask": random_mask(rng, 2, 2, 4, 4)})


def _causal_self(rng):
    return _mha(rng, 12, 4, 2, 8, 8, self_attn=True, dtype=F64, kwargs={"mask": causal_mask(8)})


def _return_weights(rng):
    return _mha(rng, 8, 2, 2, 4, 6,
                kwargs={"mask": random_mask(rng, 4, 6), "return_weights": True})


def _grads_f64(rng):
    return _mha(rng, 8, 2, 2, 4, 6, dtype=F64, grad=["0", "1", "2"], param_grads=True,
                grad_seed=3)


def _grads_masked_f32(rng):
    return _mha(rng, 12, 3, 2, 3, 6, kwargs={"mask": random_mask(rng, 3, 6)},
                grad=["0", "1", "2"], param_grads=True, grad_seed=5)


def _bad_embed_dim(rng):
    return module_call(SYMBOL, (10, 4), args=None)


def _one_head(rng):
    return _mha(rng, 6, 1, 2, 3, 5)


def _head_dim_one(rng):
    return _mha(rng, 4, 4, 2, 4, 8, dtype=F64)


def _single_query(rng):
    return _mha(rng, 8, 2, 3, 1, 6)


def _allowed_scores_at_minus_1e4(rng):
    # head_dim = 1 and identity query and key projections: head h scores query i against
    # key j with query[i, h] · key[j, h], exact for entries in {0, ±100}. In every head
    # four keys score -1e4 and two score 0; each query may attend to some of the -1e4
    # keys only. A blocked score filled with -1e4 (or shifted by BERT's additive -10000)
    # then ties with the allowed ones and takes weight. In float64 (see problem 1's 1.17).
    E = H = 4
    B, Lq, Lk = 2, 4, 6
    sign = (torch.randint(0, 2, (B, 1, E), generator=rng) * 2 - 1).to(F64)  # one per head
    query = (100 * sign).expand(B, Lq, E).contiguous()  # (B, Lq, E)
    order = torch.randperm(Lk, generator=rng)
    key = torch.cat([(-100 * sign).expand(B, 4, E), torch.zeros(B, 2, E, dtype=F64)], dim=1)  # (B, Lk, E)
    key = key[:, order]
    value = randn(rng, B, Lk, E, dtype=F64)
    allowed = random_mask(rng, B, H, Lq, 4, p_keep=0.5)  # (B, H, Lq, 4): among the -1e4 keys
    mask = torch.cat([allowed, torch.zeros(B, H, Lq, 2, dtype=torch.bool)], dim=-1)[..., order]
    state = {"q_proj.weight": torch.eye(E, dtype=F64), "k_proj.weight": torch.eye(E, dtype=F64)}
    state |= linear_state(rng, "v_proj", E, E, bias=False, dtype=F64)
    state |= linear_state(rng, "out_proj", E, E, bias=False, dtype=F64)
    return module_call(SYMBOL, (E, H), {"bias": False}, state_dict=state, dtype=F64, args=(query, key, value),
                       kwargs={"mask": mask}, grad=["0", "1", "2"], grad_seed=13)


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _mha(rng, 8, 2, 2, 4, 6)
    return replace(invocation, args=tuple(torch.cat([t, t[:1]]) for t in invocation.args))


CASES = [
    Case("3.1", t("self-attention (query = key = value)", "自注意力（query = key = value）"), 1.0,
         _self_attention, tags=("shapes",),
         hint=t("Project, split the features of each projection into heads, attend per head, "
                "concatenate the heads, then apply out_proj.",
                "先投影，把每个投影的特征切分成多个头，每个头分别做注意力，把各头拼接起来，"
                "最后做 out_proj。")),
    Case("3.2", t("cross-attention: Lq != Lk and key != value", "交叉注意力：Lq != Lk 且 key != value"),
         1.0, _cross_attention, tags=("shapes",),
         hint=t("k_proj is applied to key and v_proj to value; the scores have shape (B, H, Lq, Lk).",
                "k_proj 作用在 key 上，v_proj 作用在 value 上；得分的形状是 (B, H, Lq, Lk)。")),
    Case("3.3", t("float64 weights and inputs keep float64", "float64 的权重和输入保持 float64"), 1.0,
         _float64, tags=("dtype",),
         hint=t("Do not create float32 tensors for the scale or the mask; keep the inputs' dtype.",
                "不要为缩放因子或掩码创建 float32 张量；保持输入的 dtype。")),
    Case("3.4", t("bias=False: no bias parameters at all", "bias=False：完全没有偏置参数"), 0.5,
         _no_bias, tags=("parameters",),
         hint=t("Pass bias=bias to every torch.nn.Linear; the state dict then has no '.bias' keys.",
                "给每个 torch.nn.Linear 传入 bias=bias；这样 state dict 中就没有 '.bias' 键。")),
    Case("3.5", t("mask of shape (Lq, Lk) shared by batch and heads", "批和各头共用的 (Lq, Lk) 掩码"),
         1.0, _mask_2d, tags=("mask",),
         hint=t("True means 'may attend'; the mask broadcasts against the (B, H, Lq, Lk) scores.",
                "True 表示“可以关注”；掩码广播到形状为 (B, H, Lq, Lk) 的得分上。")),
    Case("3.6", t("mask of shape (B, 1, Lq, Lk)", "形状为 (B, 1, Lq, Lk) 的掩码"), 1.0,
         _mask_per_batch, tags=("mask",),
         hint=t("Apply the mask to the (B, H, Lq, Lk) scores, before the softmax.",
                "在 softmax 之前把掩码作用在 (B, H, Lq, Lk) 的得分上。")),
    Case("3.7", t("a different mask per head (B, H, Lq, Lk), float64",
                  "每个头各自的掩码 (B, H, Lq, Lk)，float64"), 0.5, _mask_per_head,
         tags=("mask", "dtype")),
    Case("3.8", t("causal self-attention, float64", "因果自注意力，float64"), 1.0, _causal_self,
         tags=("mask", "dtype"),
         hint=t("Each head's rows must still sum to one over the allowed keys.",
                "每个头的每一行在允许的键上之和仍必须为一。")),
    Case("3.9", t("return_weights=True returns (output, weights)",
                  "return_weights=True 时返回 (output, weights)"), 1.0, _return_weights,
         tags=("weights",),
         hint=t("weights are the per-head softmax, shape (B, num_heads, Lq, Lk), not averaged.",
                "weights 是每个头各自的 softmax，形状 (B, num_heads, Lq, Lk)，不取平均。")),
    Case("3.10", t("gradients of the inputs and every parameter (float64)",
                   "输入和每个参数的梯度（float64）"), 1.0, _grads_f64, tags=("gradients",),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只使用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("3.11", t("gradients through a mask (float32)", "经过掩码的梯度（float32）"), 1.0,
         _grads_masked_f32, tags=("gradients", "mask")),
    Case("3.12", t("embed_dim not divisible by num_heads raises ValueError",
                   "embed_dim 不能被 num_heads 整除时抛出 ValueError"), 0.5, _bad_embed_dim,
         check=raises("ValueError", why=t("embed_dim=10 cannot be split into 4 heads",
                                          "embed_dim=10 无法切分成 4 个头")),
         tags=("errors",),
         hint=t("Check embed_dim % num_heads in __init__ and raise ValueError.",
                "在 __init__ 中检查 embed_dim % num_heads，并抛出 ValueError。")),
    Case("3.13", t("one head (num_heads = 1)", "只有一个头（num_heads = 1）"), 0.5, _one_head,
         tags=("shapes",)),
    Case("3.14", t("head_dim = 1 (num_heads = embed_dim)",
                   "每个头的宽度 head_dim = 1（num_heads = embed_dim）"), 0.5, _head_dim_one,
         tags=("shapes",),
         hint=t("Scale by sqrt(head_dim), the width of one head.",
                "按 sqrt(head_dim) 缩放，即单个头的宽度。")),
    Case("3.15", t("a single query (Lq = 1)", "只有一个查询（Lq = 1）"), 0.5, _single_query,
         tags=("shapes",)),
    Case("3.16", t("batch elements are independent", "批中各元素相互独立"), 0.5, _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("3.17", t("allowed scores of -1e4 next to blocked keys (head_dim = 1, float64)",
                   "允许的得分为 -1e4，旁边是被屏蔽的键（head_dim = 1，float64）"), 1.0,
         _allowed_scores_at_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "mask"),
         hint=FINITE_FILL_HINT),
    Case("3.18", t("no mask, head_dim = 3 (not a perfect square), float64",
                   "无掩码，head_dim = 3（不是完全平方数），float64"), 0.5, _float64_head_dim_3,
         tags=("dtype",), hint=EXACT_SQRT_HINT),
]
