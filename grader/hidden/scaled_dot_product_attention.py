"""Hidden cases for scaled_dot_product_attention (problem 1)."""

import torch

from grader.cases import Case, call
from grader.checks import all_finite, all_of, batch_rows_agree, match_reference
from grader.hidden._inputs import causal_mask, one_key_mask, randint_float, randn, random_mask

F32, F64 = torch.float32, torch.float64
SYMBOL = "scaled_dot_product_attention"


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


CASES = [
    Case("1.1", "batched inputs, Lq != Lk, Dk != Dv", 1.0, _basic, tags=("shapes",),
         hint="weights = softmax(q @ kᵀ / sqrt(Dk)) over the keys; output = weights @ v."),
    Case("1.2", "no batch dimension (2-D inputs)", 0.5, _no_batch, tags=("shapes",),
         hint="Use k.transpose(-2, -1), not k.T or a fixed axis, so any number of batch dims works."),
    Case("1.3", "two batch dimensions", 0.5, _two_batch_dims, tags=("shapes",),
         hint="Index axes from the end (-2, -1) so extra leading dimensions pass through."),
    Case("1.4", "float64 inputs keep float64", 0.5, _float64, tags=("dtype",),
         hint="Do not create float32 tensors for the scale or the mask; keep the inputs' dtype."),
    Case("1.5", "Dk == Dv and Lq == Lk", 1.0, _same_width, tags=("shapes",),
         hint="The output is weights @ v alone: no residual, no normalisation."),
    Case("1.6", "mask broadcast over the batch", 1.0, _broadcast_mask, tags=("mask",),
         hint="True means 'may attend'; block the other scores before the softmax."),
    Case("1.7", "causal mask, float64", 1.0, _causal, tags=("mask", "dtype"),
         hint="Masked rows must still sum to one over the allowed keys."),
    Case("1.8", "per-batch mask with two batch dims", 1.0, _per_batch_mask, tags=("mask", "shapes")),
    Case("1.9", "exactly one allowed key per query", 0.5, _one_key, tags=("mask",),
         hint="With one allowed key the weight on it must be exactly 1."),
    Case("1.10", "scores up to 1e4 stay finite (float32, gradients too)", 1.0, _large_scores,
         check=all_finite(compare_where_exact=True), tags=("stability",),
         hint="Subtract each row's maximum before exp(), or use torch.softmax."),
    Case("1.11", "scores up to 1e4 with a causal mask (float64)", 0.5, _large_scores_masked,
         check=all_finite(compare_where_exact=True), tags=("stability", "mask")),
    Case("1.12", "gradients of q, k, v (float64)", 1.0, _grad_f64, tags=("gradients",),
         hint="Stay within differentiable torch operations; never .detach() or use .data."),
    Case("1.13", "gradients through a causal mask (float32)", 1.0, _grad_masked_f32,
         tags=("gradients", "mask")),
    Case("1.14", "reordering keys and values together changes nothing", 0.5, _permuted_keys,
         check=all_of(match_reference(), batch_rows_agree([(0, 1)], property_name="key-order invariance")),
         tags=("invariant",)),
    Case("1.15", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(), batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant",)),
    Case("1.16", "a single key (Lk = 1)", 0.5, _single_key, tags=("shapes",)),
]
