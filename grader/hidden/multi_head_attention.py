"""Hidden cases for multi_head_attention (problem 3).

Sequence lengths are multiples of the number of heads wherever it matters, so
that splitting the sequence instead of the features runs (and is wrong) rather
than failing with a shape error; keys differ from values and Lq from Lk so that
every projection is exercised on its own input.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import all_of, batch_rows_agree, match_reference, raises
from grader.hidden._inputs import causal_mask, randn, random_mask
from grader.hidden._modules import linear_state

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


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _mha(rng, 8, 2, 2, 4, 6)
    return replace(invocation, args=tuple(torch.cat([t, t[:1]]) for t in invocation.args))


CASES = [
    Case("3.1", "self-attention (query = key = value)", 1.0, _self_attention, tags=("shapes",),
         hint="Project, split the features of each projection into heads, attend per head, "
              "concatenate the heads, then apply out_proj."),
    Case("3.2", "cross-attention: Lq != Lk and key != value", 1.0, _cross_attention,
         tags=("shapes",),
         hint="k_proj is applied to key and v_proj to value; "
              "the scores have shape (B, H, Lq, Lk)."),
    Case("3.3", "float64 weights and inputs keep float64", 1.0, _float64, tags=("dtype",),
         hint="Do not create float32 tensors for the scale or the mask; keep the inputs' dtype."),
    Case("3.4", "bias=False: no bias parameters at all", 0.5, _no_bias, tags=("parameters",),
         hint="Pass bias=bias to every torch.nn.Linear; the state dict then has no '.bias' keys."),
    Case("3.5", "mask of shape (Lq, Lk) shared by batch and heads", 1.0, _mask_2d, tags=("mask",),
         hint="True means 'may attend'; the mask broadcasts against the (B, H, Lq, Lk) scores."),
    Case("3.6", "mask of shape (B, 1, Lq, Lk)", 1.0, _mask_per_batch, tags=("mask",),
         hint="Apply the mask to the (B, H, Lq, Lk) scores, before the softmax."),
    Case("3.7", "a different mask per head (B, H, Lq, Lk), float64", 0.5, _mask_per_head,
         tags=("mask", "dtype")),
    Case("3.8", "causal self-attention, float64", 1.0, _causal_self, tags=("mask", "dtype"),
         hint="Each head's rows must still sum to one over the allowed keys."),
    Case("3.9", "return_weights=True returns (output, weights)", 1.0, _return_weights,
         tags=("weights",),
         hint="weights are the per-head softmax, shape (B, num_heads, Lq, Lk), not averaged."),
    Case("3.10", "gradients of the inputs and every parameter (float64)", 1.0, _grads_f64,
         tags=("gradients",),
         hint="Stay within differentiable torch operations; never .detach() or use .data."),
    Case("3.11", "gradients through a mask (float32)", 1.0, _grads_masked_f32,
         tags=("gradients", "mask")),
    Case("3.12", "embed_dim not divisible by num_heads raises ValueError", 0.5, _bad_embed_dim,
         check=raises("ValueError", why="embed_dim=10 cannot be split into 4 heads"),
         tags=("errors",),
         hint="Check embed_dim % num_heads in __init__ and raise ValueError."),
    Case("3.13", "one head (num_heads = 1)", 0.5, _one_head, tags=("shapes",)),
    Case("3.14", "head_dim = 1 (num_heads = embed_dim)", 0.5, _head_dim_one, tags=("shapes",),
         hint="Scale by sqrt(head_dim), the width of one head."),
    Case("3.15", "a single query (Lq = 1)", 0.5, _single_query, tags=("shapes",)),
    Case("3.16", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(),
                      batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant",)),
]
