"""Hidden cases for shared_qk_attention (problem 4)."""

import math

import torch

from grader.cases import Case, call
from grader.checks import (CheckContext, Verdict, all_finite, all_of, batch_rows_agree,
                           compare_tensors, describe, match_reference)
from grader.hidden._inputs import causal_mask, randint_float, randn, random_mask

F32, F64 = torch.float32, torch.float64
SYMBOL = "shared_qk_attention"
PERM = [3, 0, 4, 1, 2]  # token order of batch element 1 in the permutation case


def _xw(rng, batch, length, d, d_k, d_v, dtype=F32):
    # Weights scaled by 1/sqrt(D) so that Q = x @ w_qk is unit-scale and the softmax
    # does not saturate: a wrong scale or a missing exclusion changes the answer.
    return (randn(rng, batch, length, d, dtype=dtype),
            randn(rng, d, d_k, dtype=dtype, scale=1 / math.sqrt(d)),
            randn(rng, d, d_v, dtype=dtype, scale=1 / math.sqrt(d)))


def _only_self_rows(rng, batch, length, count):
    """(B, L, L) random mask in which ``count`` rows allow the query itself and nothing else."""
    mask = random_mask(rng, batch, length, length)
    rows = torch.randperm(length, generator=rng)[:count]
    mask[:, rows] = False
    mask[:, rows, rows] = True
    return mask


def _permuted_rows_agree(ctx: CheckContext) -> Verdict:
    """Batch element 1 holds the tokens of element 0 in the order PERM: so must the output."""
    output = ctx.candidate.value
    if not isinstance(output, torch.Tensor) or output.dim() != 3 or output.shape[0] < 2:
        return Verdict(False, f"permutation equivariance: expected a (B, L, Dv) tensor, got "
                              f"{describe(output)}")
    verdict = compare_tensors(output[1], output[0][PERM].detach(),
                              what="permutation equivariance (output of the reordered tokens)")
    if not verdict.passed:
        return Verdict(False, verdict.message)
    return Verdict(True, "permutation equivariance: holds")


def _basic(rng):
    return call(SYMBOL, *_xw(rng, 2, 5, 6, 4, 3))


def _same_width(rng):
    # D == Dk: using x itself as the keys runs (and is wrong).
    return call(SYMBOL, *_xw(rng, 2, 5, 4, 4, 3))


def _exclude_self(rng):
    return call(SYMBOL, *_xw(rng, 2, 6, 5, 3, 4), exclude_self=True)


def _exclude_self_same_width(rng):
    return call(SYMBOL, *_xw(rng, 2, 5, 6, 6, 2), exclude_self=True)


def _broadcast_mask(rng):
    x, w_qk, w_v = _xw(rng, 3, 6, 5, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 6, 6))


def _per_batch_mask_exclude(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 4, 3, F64)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 2, 5, 5), exclude_self=True)


def _causal_exclude(rng):
    x, w_qk, w_v = _xw(rng, 2, 6, 6, 3, 4, F64)
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(6), exclude_self=True)


def _only_self(rng):
    x, w_qk, w_v = _xw(rng, 2, 6, 4, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, mask=_only_self_rows(rng, 2, 6, 2), exclude_self=True)


def _key_padding(rng):
    # A (B, 1, L) key-padding mask: the same keys are allowed for every query of a batch element.
    x, w_qk, w_v = _xw(rng, 3, 5, 6, 4, 2)
    return call(SYMBOL, x, w_qk, w_v, mask=random_mask(rng, 3, 1, 5, p_keep=0.5), exclude_self=True)


def _grad_f64(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 4, 3, F64)
    # Under the causal mask token 0 falls back to itself.
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(5), exclude_self=True,
                grad=["0", "1", "2"], grad_seed=3)


def _grad_f32(rng):
    return call(SYMBOL, *_xw(rng, 2, 4, 5, 3, 4), grad=["0", "1", "2"], grad_seed=5)


def _mask_unchanged(rng):
    x, w_qk, w_v = _xw(rng, 2, 5, 3, 2, 2)
    return call(SYMBOL, x, w_qk, w_v, mask=_only_self_rows(rng, 2, 5, 1), exclude_self=True)


def _batch_independence(rng):
    # Elements 0 and 2 are identical; element 1 is different: 0 and 2 must agree.
    x, w_qk, w_v = _xw(rng, 2, 5, 4, 3, 3)
    return call(SYMBOL, torch.cat([x, x[:1]]), w_qk, w_v, mask=random_mask(rng, 5, 5),
                exclude_self=True)


def _permuted_tokens(rng):
    x, w_qk, w_v = _xw(rng, 1, 5, 4, 4, 3)
    return call(SYMBOL, torch.cat([x, x[:, PERM]]), w_qk, w_v, exclude_self=True)


def _large_scores(rng):
    # Integer x and w_qk with Dk = 16: Q is integer and the scores (up to ~1e4) are exact.
    x = randint_float(rng, -5, 6, 2, 5, 4)
    w_qk = randint_float(rng, -5, 6, 4, 16)
    w_v = randn(rng, 4, 3)
    return call(SYMBOL, x, w_qk, w_v, exclude_self=True, grad=["0", "1", "2"], grad_seed=11)


def _large_scores_masked(rng):
    x = randint_float(rng, -5, 6, 2, 5, 4, dtype=F64)
    w_qk = randint_float(rng, -5, 6, 4, 16, dtype=F64)
    w_v = randn(rng, 4, 3, dtype=F64)
    return call(SYMBOL, x, w_qk, w_v, mask=causal_mask(5), exclude_self=True)


def _single_token(rng):
    return call(SYMBOL, *_xw(rng, 3, 1, 4, 4, 2), exclude_self=True)


CASES = [
    Case("4.1", "batched inputs, D, Dk and Dv all different", 1.0, _basic, tags=("shapes",),
         hint="Q = K = x @ w_qk, V = x @ w_v; weights = softmax(Q Kᵀ / sqrt(Dk)) over the keys."),
    Case("4.2", "D == Dk: the keys are projected too", 1.0, _same_width, tags=("shapes",),
         hint="The keys are x @ w_qk, the very same tensor as the queries, not x itself."),
    Case("4.3", "exclude_self without a mask", 1.0, _exclude_self, tags=("exclude-self",),
         hint="Block the diagonal of the (L, L) scores before the softmax."),
    Case("4.4", "exclude_self with D == Dk", 1.0, _exclude_self_same_width,
         tags=("exclude-self", "shapes")),
    Case("4.5", "(L, L) mask broadcast over the batch", 1.0, _broadcast_mask, tags=("mask",),
         hint="True means 'may attend'; block the other scores before the softmax."),
    Case("4.6", "per-batch (B, L, L) mask with exclude_self (float64)", 1.0, _per_batch_mask_exclude,
         tags=("mask", "exclude-self", "dtype"),
         hint="Combine the mask and the exclusion into one tensor of allowed keys."),
    Case("4.7", "causal mask with exclude_self: the first token has only itself (float64)", 1.0,
         _causal_exclude, tags=("mask", "exclude-self", "fallback", "dtype"),
         hint="A query left with no other key attends to itself: its weight on itself is 1."),
    Case("4.8", "rows whose only allowed key is the query itself", 1.0, _only_self,
         tags=("mask", "exclude-self", "fallback"),
         hint="Excluding self must never leave a row with nothing: fall back to the query itself."),
    Case("4.9", "(B, 1, L) key-padding mask with exclude_self", 0.5, _key_padding,
         tags=("mask", "exclude-self"),
         hint="Let broadcasting expand the mask; do not assume it has shape (L, L)."),
    Case("4.10", "gradients of x, w_qk and w_v through mask and exclusion (float64)", 1.0, _grad_f64,
         tags=("gradients", "fallback"),
         hint="Stay within differentiable torch operations; never .detach() or use .data."),
    Case("4.11", "gradients of x, w_qk and w_v (float32)", 1.0, _grad_f32, tags=("gradients",),
         hint="w_qk is used for the queries and for the keys: both uses carry gradient."),
    Case("4.12", "the mask and the other inputs are left unchanged", 0.5, _mask_unchanged,
         tags=("no-mutation", "exclude-self"),
         hint="Build a new mask (e.g. mask & ~eye) instead of writing False into the given one."),
    Case("4.13", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(),
                      batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant",)),
    Case("4.14", "reordering the tokens reorders the output (no mask, exclude_self)", 0.5,
         _permuted_tokens, check=all_of(match_reference(), _permuted_rows_agree), tags=("invariant",),
         hint="Without a mask nothing may depend on a token's position, only on its vector."),
    Case("4.15", "scores up to 1e4 stay finite (float32, exclude_self, gradients too)", 1.0,
         _large_scores, check=all_finite(compare_where_exact=True), tags=("stability",),
         hint="Block with -inf and use torch.softmax, which subtracts each row's maximum."),
    Case("4.16", "scores up to 1e4 with a causal mask and exclude_self (float64)", 0.5,
         _large_scores_masked, check=all_finite(compare_where_exact=True),
         tags=("stability", "fallback")),
    Case("4.17", "a single token (L = 1) with exclude_self", 0.5, _single_token,
         tags=("shapes", "fallback"),
         hint="With one token the only key is the token itself, so exclude_self falls back to it."),
]
