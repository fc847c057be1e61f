"""Hidden cases for transformer_decoder_layer (problem 9).

Every layer gets random weights and LayerNorm weights away from 1 and 0. Most
cases have a source length S different from the target length T, so the two
sides of cross-attention cannot be confused silently; the cases with S == T are
where queries taken from memory run at all (and give a wrong output). Memory is
not the target, so keys and values read from the target are wrong everywhere,
and pre-norm cases show a memory that was normalised too. Two stability cases
follow problems.md: scores near 1e4 that then pass through a LayerNorm
(finiteness only), and allowed scores of exactly -1e4 next to blocked keys:
padded memory positions in cross-attention, future tokens in causal
self-attention. 9.18 and 9.19 do the same with the blocked keys scoring 0 and
above, so that an added -1e4 (BERT's additive mask) is caught as well.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import batch_independent
from grader.hidden._inputs import causal_mask, randn, random_mask
from grader.hidden._large_scores import one_hot_keys, position_tokens, scores_either_side
from grader.hidden._transformer import (LOW_SCORE_HINT, amplify_scores, bad_d_model_case, binary_tokens,
                                        blocked_above_zero, large_scores_case, layer_state, padding_mask,
                                        position_scores_state, scores_just_below)
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "TransformerDecoderLayer"
ATTENTIONS = ("self_attn", "cross_attn")
NORMS = ("norm1", "norm2", "norm3")


def _state(rng, d_model, ff, dtype):
    return layer_state(rng, d_model, ff, attentions=ATTENTIONS, norms=NORMS, dtype=dtype)


def _invoke(state, x, memory, d_model, heads, ff, *, norm_first=False, eps=None, causal=None,
            memory_mask=None, grad=None, param_grads=False, grad_seed=0):
    init_kwargs = {"norm_first": norm_first} | ({} if eps is None else {"eps": eps})
    kwargs = {} if causal is None else {"causal": causal}
    if memory_mask is not None:
        kwargs["memory_mask"] = memory_mask
    return module_call(SYMBOL, (d_model, heads, ff), init_kwargs, state_dict=state, dtype=x.dtype,
                       args=(x, memory), kwargs=kwargs, grad=grad, param_grads=param_grads,
                       grad_seed=grad_seed)


def _layer(rng, d_model, heads, ff, batch, tgt, src, *, dtype=F32, memory_mask=None, **options):
    """A random layer on random target and memory tokens; ``memory_mask(rng)`` builds the mask."""
    state = _state(rng, d_model, ff, dtype)
    x = randn(rng, batch, tgt, d_model, dtype=dtype)
    memory = randn(rng, batch, src, d_model, dtype=dtype)
    mask = None if memory_mask is None else memory_mask(rng)
    return _invoke(state, x, memory, d_model, heads, ff, memory_mask=mask, **options)


def _post_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 4, 6)


def _pre_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 5, 3, norm_first=True)


def _not_causal(rng):
    return _layer(rng, 12, 3, 24, 2, 4, 5, dtype=F64, causal=False)


def _same_length_post_norm_f64(rng):
    return _layer(rng, 12, 3, 24, 2, 5, 5, dtype=F64)


def _same_length_pre_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 4, 4, norm_first=True)


def _padding_post_norm(rng):
    return _layer(rng, 8, 2, 16, 3, 4, 6, memory_mask=lambda g: padding_mask(g, 3, 6))


def _padding_pre_norm_f64(rng):
    return _layer(rng, 12, 4, 16, 3, 5, 4, dtype=F64, norm_first=True,
                  memory_mask=lambda g: padding_mask(g, 3, 4))


def _mask_per_head_not_causal(rng):
    return _layer(rng, 8, 2, 8, 2, 3, 5, norm_first=True, causal=False,
                  memory_mask=lambda g: random_mask(g, 2, 2, 3, 5))


def _large_eps(rng):
    return _layer(rng, 8, 4, 12, 2, 4, 3, eps=0.5)


def _grads_pre_norm_f64(rng):
    return _layer(rng, 8, 2, 16, 2, 4, 4, dtype=F64, norm_first=True, grad=["0", "1"],
                  param_grads=True, grad_seed=3)


def _grads_padding_post_norm(rng):
    return _layer(rng, 12, 3, 16, 3, 4, 5, memory_mask=lambda g: padding_mask(g, 3, 5),
                  grad=["0", "1"], param_grads=True, grad_seed=5)


def _bad_d_model(rng):
    return module_call(SYMBOL, (10, 4, 16), args=None)


def _large_scores(rng):
    # Self- and cross-attention scores up to about 1e4 (projections x45, head_dim 8) go
    # through the softmax and then a LayerNorm; only finiteness is compared at that size.
    state = _state(rng, 16, 32, F32)
    for prefix in ATTENTIONS:
        state = amplify_scores(state, prefix, 45.0)
    x, memory = randn(rng, 2, 5, 16), randn(rng, 2, 7, 16)
    return _invoke(state, x, memory, 16, 2, 32, grad=["0", "1"], grad_seed=7)


def _padding_next_to_low_scores(rng):
    # head_dim 1, 0/1 memory tokens: every allowed cross-attention score is exactly -1e4
    # or -10100, so a padded position filled with a finite -1e4 takes weight from them.
    state = scores_just_below(_state(rng, 4, 8, F32), "cross_attn", 4)
    x, memory = randn(rng, 3, 4, 4), binary_tokens(rng, 3, 6, 4)
    return _invoke(state, x, memory, 4, 4, 8, memory_mask=padding_mask(rng, 3, 6))


def _future_next_to_low_scores(rng):
    # Post-norm, head_dim 1, 0/1 target tokens: every causal self-attention score is
    # exactly -1e4 or -10100 (the keys are the raw target), so a future token filled with
    # a finite -1e4 ties with or beats the allowed ones.
    state = scores_just_below(_state(rng, 4, 8, F32), "self_attn", 4)
    x, memory = binary_tokens(rng, 3, 5, 4), randn(rng, 3, 4, 4)
    return _invoke(state, x, memory, 4, 4, 8)


def _future_above_zero(rng):
    # Post-norm, head_dim 4 (d_model 8, 2 heads), T = 4: target token i is the unit vector e_i
    # (then random integers the query and key projections ignore), key j is 2·e_j and query i
    # of head h holds its scaled scores: -1e4 - {0..3} for j <= i, 0 … 3 for the future. A
    # future token filled with -1e4, or shifted by an added -1e4, then ties with or beats the
    # allowed ones (9.17 catches only the fill). In float64.
    q, k = one_hot_keys(scores_either_side(rng, causal_mask(4).expand(2, 4, 4)), 4)  # (H, T, hd) each
    state = position_scores_state(_state(rng, 8, 16, F64), "self_attn", q, k, 8)
    x, memory = position_tokens(rng, 2, 4, 8), randn(rng, 2, 3, 8, dtype=F64)
    return _invoke(state, x, memory, 8, 2, 16)


def _padding_above_zero(rng):
    # As 9.14, in float64, with the padded memory positions at -100 or -101: they score 0 or
    # 100 while the allowed ones score -1e4 or -10100, so a padded position shifted by an added
    # -1e4 (BERT's additive mask) takes weight too, not only one filled with -1e4.
    state = scores_just_below(_state(rng, 4, 8, F64), "cross_attn", 4)
    mask = padding_mask(rng, 3, 6)  # (B, 1, 1, S)
    x = randn(rng, 3, 4, 4, dtype=F64)
    memory = blocked_above_zero(binary_tokens(rng, 3, 6, 4, dtype=F64), mask.view(3, 6))
    return _invoke(state, x, memory, 4, 4, 8, memory_mask=mask)


def _first_step(rng):
    return _layer(rng, 8, 2, 16, 3, 1, 5, norm_first=True)


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _layer(rng, 8, 4, 16, 2, 4, 6, norm_first=True)
    x, memory = invocation.args
    return replace(invocation, args=(torch.cat([x, x[:1]]), torch.cat([memory, memory[:1]])))


_CAUSAL = t("With causal=True, target token i attends only to target tokens j <= i.",
            "causal=True 时，目标序列的第 i 个词元只能关注 j <= i 的目标词元。")
_ROLES = t("Cross-attention: queries from the decoder's stream, keys and values from memory; "
           "the output has one row per target token.",
           "交叉注意力：查询来自解码器自己的残差流，键和值来自 memory；输出的每一行对应一个目标词元。")

CASES = [
    Case("9.1", t("post-norm, causal, S != T", "post-norm，因果，S != T"), 1.0, _post_norm,
         tags=("post-norm", "causal"),
         hint=t("Post-norm: x = norm1(x + SA(x)), x = norm2(x + CA(x, memory)), "
                "x = norm3(x + FF(x)).",
                "post-norm：依次计算 x = norm1(x + SA(x))、x = norm2(x + CA(x, memory))、"
                "x = norm3(x + FF(x))。")),
    Case("9.2", t("pre-norm, causal, S != T", "pre-norm，因果，S != T"), 1.0, _pre_norm,
         tags=("pre-norm", "causal"),
         hint=t("Pre-norm normalises the decoder's stream before each sub-layer; memory goes into "
                "cross-attention as it is.",
                "pre-norm 在每个子层之前归一化解码器自己的残差流；memory 原样送入交叉注意力。")),
    Case("9.3", t("causal=False (float64)", "非因果：causal=False（float64）"), 1.0, _not_causal,
         tags=("post-norm", "dtype"),
         hint=t("causal=False: every target token may attend to every target token.",
                "causal=False：每个目标词元都可以关注所有目标词元。")),
    Case("9.4", t("S == T, post-norm, float64", "源序列与目标序列等长（S == T），post-norm，float64"), 1.0,
         _same_length_post_norm_f64, tags=("post-norm", "dtype", "cross-attention"), hint=_ROLES),
    Case("9.5", t("S == T, pre-norm", "源序列与目标序列等长（S == T），pre-norm"), 1.0, _same_length_pre_norm,
         tags=("pre-norm", "cross-attention"), hint=_ROLES),
    Case("9.6", t("memory padding mask (B, 1, 1, S), post-norm",
                  "memory 的填充掩码 (B, 1, 1, S)，post-norm"),
         1.0, _padding_post_norm, tags=("post-norm", "mask"),
         hint=t("memory_mask applies to cross-attention only; True means 'may attend'.",
                "memory_mask 只作用于交叉注意力；True 表示“可以关注”。")),
    Case("9.7", t("memory padding mask, pre-norm, float64", "memory 的填充掩码，pre-norm，float64"),
         1.0, _padding_pre_norm_f64, tags=("pre-norm", "mask", "dtype"),
         hint=t("Padded memory positions get weight 0 in cross-attention; memory_mask has nothing "
                "to do with self-attention.",
                "被填充的 memory 位置在交叉注意力中权重为 0；memory_mask 与自注意力无关。")),
    Case("9.8", t("a memory mask per head (B, H, T, S), causal=False, pre-norm",
                  "每个头各有 memory 掩码 (B, H, T, S)，causal=False，pre-norm"),
         0.5, _mask_per_head_not_causal, tags=("pre-norm", "mask"),
         hint=t("A (B, H, T, S) mask gives each head of cross-attention its own pattern; with "
                "causal=False self-attention has no mask at all.",
                "(B, H, T, S) 的掩码让交叉注意力的每个头有各自的屏蔽方式；causal=False 时自注意力完全没有掩码。")),
    Case("9.9", t("a large eps (0.5) in the three LayerNorms", "三个层归一化都用较大的 eps（0.5）"),
         1.0, _large_eps, tags=("post-norm", "layer-norm"),
         hint=t("Pass eps to all three LayerNorms; each sub-layer adds its input back before "
                "the norm.",
                "把 eps 传给三个层归一化；每个子层在归一化之前都要把输入加回去。")),
    Case("9.10", t("gradients of x, memory and every parameter (pre-norm, float64)",
                   "x、memory 和每个参数的梯度（pre-norm，float64）"),
         1.0, _grads_pre_norm_f64, tags=("gradients", "pre-norm"),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("9.11", t("gradients through a memory padding mask (post-norm, float32)",
                   "穿过 memory 填充掩码的梯度（post-norm，float32）"),
         1.0, _grads_padding_post_norm, tags=("gradients", "mask", "post-norm"),
         hint=t("Block scores with masked_fill or torch.where (not by changing a tensor in place "
                "that autograd still needs); memory must receive a gradient too.",
                "用 masked_fill 或 torch.where 屏蔽得分（不要原地修改自动求导仍然需要的张量）；"
                "memory 也必须得到梯度。")),
    bad_d_model_case("9.12", _bad_d_model),
    large_scores_case("9.13", _large_scores),
    Case("9.14", t("padded memory next to allowed scores of -1e4 (head_dim = 1)",
                   "允许的得分为 -1e4 时旁边被填充的 memory 位置（head_dim = 1）"),
         1.0, _padding_next_to_low_scores, tags=("stability", "mask"), hint=LOW_SCORE_HINT),
    Case("9.15", t("the first decoding step (T = 1), pre-norm", "解码的第一步（T = 1），pre-norm"),
         0.5, _first_step, tags=("shapes", "pre-norm"), hint=_CAUSAL),
    Case("9.16", t("batch elements are independent", "批中各元素相互独立"), 0.5,
         _batch_independence,
         check=batch_independent(),
         tags=("invariant", "pre-norm"),
         hint=t("Nothing may mix batch elements: sequence b reads only memory b, and each token is "
                "normalised over its own features.",
                "不同的批元素不能混在一起：第 b 个序列只读取第 b 个 memory，每个词元只在自己的特征上做归一化。")),
    Case("9.17", t("future tokens next to allowed self-attention scores of -1e4 (head_dim = 1)",
                   "自注意力中允许的得分为 -1e4 时旁边的未来词元（head_dim = 1）"),
         1.0, _future_next_to_low_scores, tags=("stability", "causal"), hint=LOW_SCORE_HINT),
    Case("9.18", t("causal: allowed self-attention scores near -1e4, future tokens at 0 and above "
                   "(head_dim = 4, float64)",
                   "因果：自注意力中允许的得分接近 -1e4，未来词元的得分不低于 0（head_dim = 4，float64）"),
         1.0, _future_above_zero, tags=("stability", "causal"), hint=FINITE_FILL_HINT),
    Case("9.19", t("padded memory at 0 and above next to allowed scores of -1e4 (head_dim = 1, float64)",
                   "允许的得分为 -1e4，旁边被填充的 memory 位置得分不低于 0（head_dim = 1，float64）"),
         1.0, _padding_above_zero, tags=("stability", "mask"), hint=FINITE_FILL_HINT),
]
