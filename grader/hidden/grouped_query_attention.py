"""Hidden cases for grouped_query_attention (problem 5).

Most cases have 1 < num_kv_heads < num_heads, where the grouping of query heads
matters; multi-query (num_kv_heads = 1) and ordinary multi-head (num_kv_heads =
num_heads) are covered too. Masks given together with causal=True keep the
diagonal, so every query row keeps at least one key.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import all_of, batch_rows_agree, match_reference, raises
from grader.hidden._inputs import randn, random_mask
from grader.hidden._modules import linear_state

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


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical; element 1 differs: 0 and 2 must agree.
    invocation = _gqa(rng, 16, 4, 2, 2, 5, kwargs={"causal": True})
    (x,) = invocation.args
    return replace(invocation, args=(torch.cat([x, x[:1]]),))


CASES = [
    Case("5.1", "4 query heads sharing 2 key/value heads", 1.0, _groups_of_two, tags=("groups",),
         hint="Query head h reads key/value head h // (num_heads // num_kv_heads)."),
    Case("5.2", "6 query heads, 3 key/value heads (float64)", 1.0, _three_groups,
         tags=("groups", "dtype"),
         hint="Consecutive query heads share a key/value head: repeat_interleave, not repeat."),
    Case("5.3", "8 query heads, 2 key/value heads", 1.0, _groups_of_four, tags=("groups",)),
    Case("5.4", "one key/value head (multi-query attention)", 1.0, _multi_query,
         tags=("groups",),
         hint="With num_kv_heads = 1 every query head uses the same keys and values."),
    Case("5.5", "as many key/value heads as query heads (multi-head)", 0.5, _multi_head,
         tags=("groups",)),
    Case("5.6", "bias=True on every projection", 0.5, _bias, tags=("parameters",),
         hint="Pass bias=bias to all four torch.nn.Linear layers."),
    Case("5.7", "causal=True (float64)", 1.0, _causal, tags=("causal", "dtype"),
         hint="causal=True lets query i attend to keys j <= i: the past and itself."),
    Case("5.8", "causal multi-query attention", 0.5, _causal_multi_query, tags=("causal",)),
    Case("5.9", "mask of shape (L, L)", 1.0, _mask_2d, tags=("mask",),
         hint="True means 'may attend'; block ~mask with -inf before the softmax."),
    Case("5.10", "mask of shape (B, 1, L, L) (float64)", 0.5, _mask_per_batch,
         tags=("mask", "dtype")),
    Case("5.11", "mask and causal together", 1.0, _mask_and_causal, tags=("mask", "causal"),
         hint="A key is allowed only if the mask allows it and it is not in the future."),
    Case("5.12", "gradients of x and every parameter (float64, causal)", 1.0, _grads_f64,
         tags=("gradients",),
         hint="Stay within differentiable torch operations; never .detach() or use .data."),
    Case("5.13", "gradients through a mask (float32)", 1.0, _grads_masked_f32,
         tags=("gradients", "mask")),
    Case("5.14", "embed_dim not divisible by num_heads raises ValueError", 0.5, _bad_embed_dim,
         check=raises("ValueError", why="embed_dim=10 cannot be split into 4 heads"),
         tags=("errors",)),
    Case("5.15", "num_heads not divisible by num_kv_heads raises ValueError", 0.5, _bad_kv_heads,
         check=raises("ValueError", why="3 key/value heads cannot be shared by 4 query heads"),
         tags=("errors",),
         hint="Check num_heads % num_kv_heads in __init__ as well."),
    Case("5.16", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(),
                      batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant",)),
]
