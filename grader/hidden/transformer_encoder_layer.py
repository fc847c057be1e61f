"""Hidden cases for transformer_encoder_layer (problem 8).

Every layer gets random weights and LayerNorm weights away from 1 and 0, so the
two norms are different functions (a layer that uses one of them twice is
wrong). Both norm orders are tested, with and without masks. In post-norm a
residual that doubles the sub-layer's output differs from no residual at all
only through eps (LN(2y, eps) = LN(y, eps/4)), which float32 cannot see at the
default eps: float64 cases and a large eps tell them apart. Two float64 cases have a
head_dim that is not a perfect square (3 and 2), where a scale rounded to float32 shows.
Two stability cases follow the conventions of problems.md: scores near 1e4 that then pass
through a LayerNorm (finiteness only), and allowed scores of exactly -1e4 next to padded
keys (a finite -1e4 fill gives the padding weight); in 8.19 the padded keys score 0 and
above, so an added -1e4 gives them weight too.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import batch_independent
from grader.hidden._inputs import randn, random_mask
from grader.hidden._transformer import (LOW_SCORE_HINT, amplify_scores, bad_d_model_case, binary_tokens,
                                        blocked_above_zero, large_scores_case, layer_state, padding_mask,
                                        scores_just_below)
from grader.hidden.scaled_dot_product_attention import EXACT_SQRT_HINT, FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "TransformerEncoderLayer"
NORMS = ("norm1", "norm2")


def _state(rng, d_model, ff, dtype):
    return layer_state(rng, d_model, ff, attentions=("self_attn",), norms=NORMS, dtype=dtype)


def _invoke(state, x, d_model, heads, ff, *, norm_first=False, eps=None, mask=None, grad=None,
            param_grads=False, grad_seed=0):
    init_kwargs = {"norm_first": norm_first} | ({} if eps is None else {"eps": eps})
    return module_call(SYMBOL, (d_model, heads, ff), init_kwargs, state_dict=state, dtype=x.dtype,
                       args=(x,), kwargs={} if mask is None else {"mask": mask}, grad=grad,
                       param_grads=param_grads, grad_seed=grad_seed)


def _layer(rng, d_model, heads, ff, batch, length, *, dtype=F32, mask=None, **options):
    """A random layer on random unit-scale tokens; ``mask(rng)`` builds the mask."""
    state = _state(rng, d_model, ff, dtype)
    x = randn(rng, batch, length, d_model, dtype=dtype)
    mask = None if mask is None else mask(rng)
    return _invoke(state, x, d_model, heads, ff, mask=mask, **options)


def _post_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 5)


def _pre_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 5, norm_first=True)


def _post_norm_f64(rng):
    return _layer(rng, 12, 3, 24, 2, 4, dtype=F64)


def _pre_norm_padding_f64(rng):
    return _layer(rng, 12, 3, 20, 3, 5, dtype=F64, norm_first=True,
                  mask=lambda g: padding_mask(g, 3, 5))


def _post_norm_padding(rng):
    return _layer(rng, 8, 2, 16, 3, 6, mask=lambda g: padding_mask(g, 3, 6))


def _large_eps(rng):
    return _layer(rng, 8, 4, 12, 2, 5, eps=0.5)


def _mask_2d_pre_norm(rng):
    return _layer(rng, 8, 2, 16, 2, 6, norm_first=True, mask=lambda g: random_mask(g, 6, 6))


def _mask_per_head_f64(rng):
    return _layer(rng, 8, 2, 8, 2, 4, dtype=F64, mask=lambda g: random_mask(g, 2, 2, 4, 4))


def _mask_2d_post_norm_f64(rng):
    # head_dim 3: a float32 sqrt(3) is off by ~2e-8 of itself, beyond float64's tolerance
    return _layer(rng, 9, 3, 18, 2, 5, dtype=F64, mask=lambda g: random_mask(g, 5, 5))


def _pre_norm_head_dim_2_f64(rng):
    # head_dim 2, for the same reason in the other norm order
    return _layer(rng, 6, 3, 12, 2, 5, dtype=F64, norm_first=True)


def _grads_post_norm_f64(rng):
    return _layer(rng, 8, 2, 16, 2, 4, dtype=F64, grad=["0"], param_grads=True, grad_seed=3)


def _grads_pre_norm_padding(rng):
    return _layer(rng, 12, 3, 16, 3, 5, norm_first=True, mask=lambda g: padding_mask(g, 3, 5),
                  grad=["0"], param_grads=True, grad_seed=5)


def _bad_d_model(rng):
    return module_call(SYMBOL, (10, 4, 16), args=None)


def _large_scores(rng):
    # Scores up to about 1e4 (projections x45, head_dim 8) go through the softmax and
    # then a LayerNorm; only finiteness is compared at that magnitude.
    state = amplify_scores(_state(rng, 16, 32, F32), "self_attn", 45.0)
    x = randn(rng, 2, 6, 16)
    return _invoke(state, x, 16, 2, 32, grad=["0"], grad_seed=7)


def _padding_next_to_low_scores(rng):
    # head_dim 1, 0/1 tokens: every allowed score is exactly -1e4 or -10100, so a padded
    # key filled with a finite -1e4 takes weight from the allowed ones.
    state = scores_just_below(_state(rng, 4, 8, F32), "self_attn", 4)
    x = binary_tokens(rng, 3, 5, 4)
    return _invoke(state, x, 4, 4, 8, mask=padding_mask(rng, 3, 5))


def _padding_above_zero(rng):
    # As 8.13, in float64, with the padded tokens at -100 or -101: their keys score 0 or 100
    # while the allowed ones score -1e4 or -10100, so a padded key shifted by an added -1e4
    # (BERT's additive mask) takes weight too, not only one filled with -1e4.
    state = scores_just_below(_state(rng, 4, 8, F64), "self_attn", 4)
    mask = padding_mask(rng, 3, 5)  # (B, 1, 1, L)
    x = blocked_above_zero(binary_tokens(rng, 3, 5, 4, dtype=F64), mask.view(3, 5))
    return _invoke(state, x, 4, 4, 8, mask=mask)


def _one_head_bottleneck(rng):
    return _layer(rng, 6, 1, 4, 2, 4, norm_first=True)


def _single_token(rng):
    return _layer(rng, 8, 2, 16, 3, 1, dtype=F64)


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _layer(rng, 8, 4, 16, 2, 5, norm_first=True)
    (x,) = invocation.args
    return replace(invocation, args=(torch.cat([x, x[:1]]),))


_ADDED_BACK = t("Each sub-layer's input is added back to its output before (post-norm) or "
                "instead of (pre-norm) normalising.",
                "每个子层的输入都要加回到它的输出上，然后再归一化（post-norm），或者不再归一化（pre-norm）。")

CASES = [
    Case("8.1", t("post-norm layer (norm_first=False)", "post-norm 层（norm_first=False）"),
         1.0, _post_norm, tags=("post-norm",),
         hint=t("Post-norm: x = norm1(x + SA(x)), then x = norm2(x + FF(x)).",
                "post-norm：x = norm1(x + SA(x))，然后 x = norm2(x + FF(x))。")),
    Case("8.2", t("pre-norm layer (norm_first=True)", "pre-norm 层（norm_first=True）"),
         1.0, _pre_norm, tags=("pre-norm",),
         hint=t("Pre-norm normalises what goes into each sub-layer and adds the sub-layer's output "
                "to the un-normalised stream.",
                "pre-norm 对送进每个子层的输入做归一化，再把子层的输出加到未归一化的残差流上。")),
    Case("8.3", t("post-norm in float64", "float64 的 post-norm"), 1.0, _post_norm_f64,
         tags=("post-norm", "dtype"), hint=_ADDED_BACK),
    Case("8.4", t("pre-norm, padding mask (B, 1, 1, L), float64",
                  "pre-norm，填充掩码 (B, 1, 1, L)，float64"),
         1.0, _pre_norm_padding_f64, tags=("pre-norm", "mask", "dtype"),
         hint=t("The (B, 1, 1, L) mask broadcasts over heads and queries: padded keys get "
                "weight 0.",
                "(B, 1, 1, L) 的掩码在头和查询两个维度上广播：被填充的键权重为 0。")),
    Case("8.5", t("post-norm, padding mask (B, 1, 1, L)", "post-norm，填充掩码 (B, 1, 1, L)"),
         1.0, _post_norm_padding, tags=("post-norm", "mask"),
         hint=t("True means 'may attend'; pass the mask to the attention and block ~mask before "
                "the softmax.",
                "True 表示“可以关注”；把掩码传给注意力，在 softmax 之前屏蔽 ~mask 的位置。")),
    Case("8.6", t("a large eps (0.5) in both LayerNorms", "两个层归一化都用较大的 eps（0.5）"),
         1.0, _large_eps, tags=("post-norm", "layer-norm"),
         hint=t("Pass eps to both LayerNorms; with a large eps the scale of what is normalised "
                "matters.",
                "把 eps 传给两个层归一化；eps 较大时，被归一化的张量的尺度会影响结果。")),
    Case("8.7", t("pre-norm, an (L, L) mask shared by the batch",
                  "pre-norm，整个批共用的 (L, L) 掩码"),
         1.0, _mask_2d_pre_norm, tags=("pre-norm", "mask"),
         hint=t("An (L, L) mask is the same for every sequence and head; it broadcasts against "
                "the (B, H, L, L) scores.",
                "(L, L) 的掩码对每个序列、每个头都一样；它会广播到 (B, H, L, L) 的得分上。")),
    Case("8.8", t("post-norm, a different mask per head (B, H, L, L), float64",
                  "post-norm，每个头各有掩码 (B, H, L, L)，float64"),
         0.5, _mask_per_head_f64, tags=("post-norm", "mask", "dtype"),
         hint=t("A (B, H, L, L) mask gives each head its own pattern: apply it to the scores of "
                "that head, before the softmax.",
                "(B, H, L, L) 的掩码让每个头有各自的屏蔽方式：在 softmax 之前把它作用到对应头的得分上。")),
    Case("8.9", t("gradients of x and of every parameter (post-norm, float64)",
                  "x 和每个参数的梯度（post-norm，float64）"),
         1.0, _grads_post_norm_f64, tags=("gradients",),
         hint=t("Stay within differentiable torch operations; never .detach() or use .data.",
                "只用可微的 torch 运算；不要 .detach()，也不要用 .data。")),
    Case("8.10", t("gradients through a padding mask (pre-norm, float32)",
                   "穿过填充掩码的梯度（pre-norm，float32）"),
         1.0, _grads_pre_norm_padding, tags=("gradients", "mask", "pre-norm"),
         hint=t("Block scores with masked_fill or torch.where (not by changing a tensor in place "
                "that autograd still needs).",
                "用 masked_fill 或 torch.where 屏蔽得分（不要原地修改自动求导仍然需要的张量）。")),
    bad_d_model_case("8.11", _bad_d_model),
    large_scores_case("8.12", _large_scores),
    Case("8.13", t("padded keys next to allowed scores of -1e4 (head_dim = 1)",
                   "允许的得分为 -1e4 时旁边的填充键（head_dim = 1）"),
         1.0, _padding_next_to_low_scores, tags=("stability", "mask"), hint=LOW_SCORE_HINT),
    Case("8.14", t("one head and dim_feedforward < d_model (pre-norm)",
                   "单头且 dim_feedforward < d_model（pre-norm）"),
         0.5, _one_head_bottleneck, tags=("shapes", "pre-norm"),
         hint=t("linear1 maps d_model to dim_feedforward and linear2 maps it back.",
                "linear1 把 d_model 映射到 dim_feedforward，linear2 再映射回来。")),
    Case("8.15", t("a single token (L = 1), float64", "只有一个词元（L = 1），float64"),
         0.5, _single_token, tags=("shapes", "dtype"),
         hint=t("With one token its attention weight is 1, so SA(x) = out_proj(v_proj(x)); the "
                "residuals, norms and feed-forward network still apply.",
                "只有一个词元时它的注意力权重为 1，所以 SA(x) = out_proj(v_proj(x))；"
                "残差、层归一化和前馈网络照常计算。")),
    Case("8.16", t("batch elements are independent", "批中各元素相互独立"), 0.5,
         _batch_independence,
         check=batch_independent(),
         tags=("invariant", "pre-norm"),
         hint=t("Nothing may mix batch elements: split heads within each sequence, and normalise "
                "each token over its own features only.",
                "不同的批元素不能混在一起：在每个序列内部切分多头，每个词元只在自己的特征上做归一化。")),
    Case("8.17", t("post-norm, an (L, L) mask, head_dim = 3 (not a perfect square), float64",
                   "post-norm，(L, L) 掩码，head_dim = 3（不是完全平方数），float64"),
         1.0, _mask_2d_post_norm_f64, tags=("post-norm", "mask", "dtype"),
         hint=t("An (L, L) mask applies in post-norm as in pre-norm: it broadcasts against the "
                "(B, H, L, L) scores.",
                "(L, L) 的掩码在 post-norm 中和在 pre-norm 中一样起作用：它会广播到 (B, H, L, L) 的得分上。")),
    Case("8.18", t("pre-norm, head_dim = 2 (not a perfect square), float64",
                   "pre-norm，head_dim = 2（不是完全平方数），float64"),
         0.5, _pre_norm_head_dim_2_f64, tags=("pre-norm", "dtype"), hint=EXACT_SQRT_HINT),
    Case("8.19", t("padded keys at 0 and above next to allowed scores of -1e4 (head_dim = 1, float64)",
                   "允许的得分为 -1e4，旁边的填充键得分不低于 0（head_dim = 1，float64）"),
         1.0, _padding_above_zero, tags=("stability", "mask"), hint=FINITE_FILL_HINT),
]
