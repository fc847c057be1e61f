"""Hidden cases for self_attention (problem 2).

Weights are drawn with standard deviation 1/sqrt(D) so that the projections,
and hence the scores, stay unit-scale: the softmax does not saturate and a wrong
scale changes the answer. The shapes include those on which each catalogued
mistake runs: square weights (x @ w.T), Dv == D (a residual), D != Dk (the
wrong width in the scale) and causal cases.
"""

import math

import torch

from grader.cases import Case, call
from grader.checks import all_finite, all_of, batch_rows_agree, match_reference
from grader.hidden._inputs import randint_float, randn

F32, F64 = torch.float32, torch.float64
SYMBOL = "self_attention"
ALL = ["0", "1", "2", "3"]  # x, w_q, w_k, w_v

# Token order used by the permutation case, and its inverse.
PERM = torch.tensor([3, 0, 4, 1, 2])
INV = torch.argsort(PERM)
PREFIX = 3  # the causal prefix case changes tokens from this position on


def _inputs(rng, batch, seq_len, d, d_k, d_v, dtype=F32):
    """x (B, L, D) and w_q, w_k (D, Dk), w_v (D, Dv)."""
    w = 1.0 / math.sqrt(d)
    return (randn(rng, batch, seq_len, d, dtype=dtype),
            randn(rng, d, d_k, dtype=dtype, scale=w), randn(rng, d, d_k, dtype=dtype, scale=w),
            randn(rng, d, d_v, dtype=dtype, scale=w))


def _basic(rng):
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 4, 3))


def _float64(rng):
    return call(SYMBOL, *_inputs(rng, 3, 4, 5, 3, 7, F64))


def _one_batch_wide_keys(rng):
    # Dk > D: the projections widen the features.
    return call(SYMBOL, *_inputs(rng, 1, 9, 4, 6, 2))


def _square(rng):
    # D == Dk == Dv: x @ w.T runs too, and gives other projections.
    return call(SYMBOL, *_inputs(rng, 2, 4, 4, 4, 4))


def _dv_equals_d(rng):
    # Dv == D: adding the input (a residual) runs too.
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 3, 6), causal=False)


def _causal_f64(rng):
    return call(SYMBOL, *_inputs(rng, 2, 6, 5, 4, 3, F64), causal=True)


def _causal_grads(rng):
    return call(SYMBOL, *_inputs(rng, 2, 5, 6, 4, 3), causal=True, grad=ALL, grad_seed=7)


def _grads_f64(rng):
    return call(SYMBOL, *_inputs(rng, 2, 4, 5, 3, 4, F64), grad=ALL, grad_seed=3)


def _single_token(rng):
    # One token: it attends to itself only, so out = x @ w_v.
    return call(SYMBOL, *_inputs(rng, 3, 1, 4, 2, 5), causal=True)


def _large(rng, batch, seq_len, dtype):
    # Integer x and weights with Dk = 16: the scores (|s| up to ~1e4) are exact
    # integers divided by 4, so the reference and a correct submission agree exactly.
    x = randint_float(rng, -8, 9, batch, seq_len, 4, dtype=dtype)
    w_q = randint_float(rng, -4, 5, 4, 16, dtype=dtype)
    w_k = randint_float(rng, -4, 5, 4, 16, dtype=dtype)
    w_v = randn(rng, 4, 3, dtype=dtype, scale=0.5)
    return x, w_q, w_k, w_v


def _large_scores(rng):
    return call(SYMBOL, *_large(rng, 2, 6, F32), grad=ALL, grad_seed=11)


def _large_scores_causal(rng):
    return call(SYMBOL, *_large(rng, 2, 7, F64), causal=True)


def _permuted_tokens(rng):
    # Batch element 1 holds the tokens of element 0 in the order PERM.
    x, w_q, w_k, w_v = _inputs(rng, 1, 5, 6, 4, 3)
    return call(SYMBOL, torch.cat([x, x[:, PERM]]), w_q, w_k, w_v)


def _unpermute(value):
    """(2, L, Dv) output -> element 0 and element 1 put back in element 0's order."""
    return torch.stack([value[0], value[1][INV]])


def _future_changed(rng):
    # Element 1 equals element 0 up to position PREFIX - 1, then differs.
    x, w_q, w_k, w_v = _inputs(rng, 2, 6, 5, 3, 4)
    x[1, :PREFIX] = x[0, :PREFIX]
    return call(SYMBOL, x, w_q, w_k, w_v, causal=True)


def _batch_independence(rng):
    # Elements 0 and 2 are identical; element 1 is different: 0 and 2 must agree.
    x, w_q, w_k, w_v = _inputs(rng, 2, 4, 5, 3, 3)
    return call(SYMBOL, torch.cat([x, x[:1]]), w_q, w_k, w_v)


CASES = [
    Case("2.1", "batched input, D, Dk and Dv all different", 1.0, _basic, tags=("shapes",),
         hint="Q = x @ w_q, K = x @ w_k, V = x @ w_v; out = softmax(Q Kᵀ / sqrt(Dk)) V."),
    Case("2.2", "float64 inputs keep float64", 0.5, _float64, tags=("dtype",),
         hint="Do not create float32 tensors along the way; keep the inputs' dtype."),
    Case("2.3", "one batch element, Dk larger than D", 0.5, _one_batch_wide_keys,
         tags=("shapes",),
         hint="The scale is sqrt of the width of Q and K (Dk), not of x (D)."),
    Case("2.4", "square weights (D = Dk = Dv)", 1.0, _square, tags=("shapes",),
         hint="w_q is (D, Dk): the projection is x @ w_q, with no transpose."),
    Case("2.5", "Dv = D: the output is attention alone", 1.0, _dv_equals_d, tags=("shapes",),
         hint="Return softmax(Q Kᵀ / sqrt(Dk)) V and nothing more: no residual, "
              "normalisation or feed-forward."),
    Case("2.6", "causal, float64", 1.0, _causal_f64, tags=("causal", "dtype"),
         hint="Query i may attend to keys j <= i: itself and the past."),
    Case("2.7", "causal gradients of x and the three weight matrices (float32)", 1.0,
         _causal_grads, tags=("causal", "gradients"),
         hint="Block scores with masked_fill(..., -inf) before the softmax; stay differentiable."),
    Case("2.8", "gradients of x and the three weight matrices (float64)", 1.0, _grads_f64,
         tags=("gradients",),
         hint="Stay within differentiable torch operations; never .detach() or use .data."),
    Case("2.9", "a single token, causal", 0.5, _single_token, tags=("causal", "shapes"),
         hint="A token always sees itself: with one token the output is x @ w_v."),
    Case("2.10", "scores up to 1e4 stay finite (float32, gradients too)", 1.0, _large_scores,
         check=all_finite(compare_where_exact=True), tags=("stability",),
         hint="torch.softmax subtracts each row's maximum; a hand-written exp() overflows."),
    Case("2.11", "scores up to 1e4 with causal=True (float64)", 0.5, _large_scores_causal,
         check=all_finite(compare_where_exact=True), tags=("stability", "causal")),
    Case("2.12", "reordering the tokens reorders the output", 0.5, _permuted_tokens,
         check=all_of(match_reference(), batch_rows_agree(
             [(0, 1)], property_name="permutation equivariance", select=_unpermute)),
         tags=("invariant",),
         hint="Without a mask self-attention has no notion of order."),
    Case("2.13", "causal: later tokens do not change earlier outputs", 0.5, _future_changed,
         check=all_of(match_reference(), batch_rows_agree(
             [(0, 1)], property_name="causality (outputs before the change)",
             select=lambda value: value[:, :PREFIX])),
         tags=("causal", "invariant"),
         hint="Position i must not see any position after i."),
    Case("2.14", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(), batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant",)),
]
