"""The scaled_dot_product_attention reference agrees with PyTorch's own kernel.

``torch.nn.functional.scaled_dot_product_attention`` is forbidden to
candidates, not to us: here it is an independent implementation of the same
contract (a bool mask with True = may attend, the scale 1/√Dk, the softmax over
the keys). It returns no weights, so they are read off by attending to one-hot
values: with ``v`` the identity over the keys the output *is* the weight matrix.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.grading import case_generator
from grader.hidden._inputs import causal_mask, one_key_mask, random_mask
from grader.hidden.scaled_dot_product_attention import CASES
from grader.references import solution_module

TOLERANCE = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
SHAPES = [  # batch dims, Lq, Lk, Dk, Dv
    ((), 5, 7, 4, 3),
    ((2,), 4, 6, 8, 5),
    ((2, 3), 3, 5, 6, 2),
    ((3,), 1, 4, 2, 6),
    ((2,), 4, 1, 3, 2),
]


@pytest.fixture(scope="module")
def sdpa():
    return solution_module("scaled_dot_product_attention").scaled_dot_product_attention


def _qkv(shape, dtype, seed=0):
    batch, lq, lk, dk, dv = shape
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(*batch, n, d, generator=g, dtype=torch.float64).to(dtype)
                 for n, d in ((lq, dk), (lk, dk), (lk, dv)))


def _torch_weights(q, k, mask=None):
    """PyTorch's attention weights: the output for one-hot values (v = I over the keys)."""
    lk = k.shape[-2]
    eye = torch.eye(lk, dtype=q.dtype).expand(*k.shape[:-2], lk, lk)
    return F.scaled_dot_product_attention(q, k, eye, attn_mask=mask)


def _mask(kind, gen, batch, lq, lk):
    if kind == "2d":
        return random_mask(gen, lq, lk)
    if kind == "per-batch":
        return random_mask(gen, *batch, lq, lk, p_keep=0.4)
    if kind == "one-key":
        return one_key_mask(gen, lq, lk)
    return None


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", [None, "2d", "per-batch", "one-key"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"B{s[0]}-Lq{s[1]}-Lk{s[2]}-Dk{s[3]}-Dv{s[4]}")
def test_matches_torch_sdpa(sdpa, shape, kind, dtype):
    q, k, v = _qkv(shape, dtype)
    mask = _mask(kind, torch.Generator().manual_seed(1), shape[0], shape[1], shape[2])
    output, weights = sdpa(q, k, v, mask=mask)
    batch, lq, lk, _, dv = shape
    assert output.shape == (*batch, lq, dv) and weights.shape == (*batch, lq, lk)
    assert output.dtype == weights.dtype == dtype
    torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                               **TOLERANCE[dtype])
    torch.testing.assert_close(weights, _torch_weights(q, k, mask), **TOLERANCE[dtype])
    if mask is not None:
        assert bool((weights.masked_select(~mask.expand_as(weights)) == 0).all())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_causal_mask_is_torchs_is_causal(sdpa, dtype):
    q, k, v = _qkv(((2,), 6, 6, 4, 4), dtype, seed=2)
    output, _ = sdpa(q, k, v, mask=causal_mask(6))
    torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, is_causal=True),
                               **TOLERANCE[dtype])


@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match_torch_sdpa(sdpa, masked):
    q, k, v = (t.requires_grad_() for t in _qkv(((2,), 4, 5, 6, 3), torch.float64, seed=3))
    mask = random_mask(torch.Generator().manual_seed(4), 4, 5) if masked else None
    cotangent = torch.randn(2, 4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    ours = torch.autograd.grad(sdpa(q, k, v, mask=mask)[0], (q, k, v), cotangent)
    theirs = torch.autograd.grad(F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                 (q, k, v), cotangent)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, **TOLERANCE[torch.float64])


def _signs(g, *shape):
    return (torch.randint(0, 2, shape, generator=g) * 2 - 1).double()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_large_scores_match_torch_and_stay_finite(sdpa, dtype):
    # Entries ±50 with Dk = 16: scaled scores are multiples of 625 up to 1e4, exact in float32.
    g = torch.Generator().manual_seed(6)
    q, k = 50 * _signs(g, 2, 4, 16), 50 * _signs(g, 2, 6, 16)
    k[0, 0], k[0, 1] = q[0, 0], -q[0, 1]  # one score of exactly 1e4 and one of -1e4
    v = torch.randn(2, 6, 3, generator=g, dtype=torch.float64)
    q, k, v = (t.to(dtype).requires_grad_() for t in (q, k, v))
    scores = (q @ k.transpose(-2, -1)).detach() / 4
    assert float(scores.max()) == 1e4 and float(scores.min()) == -1e4
    for mask in (None, random_mask(g, 4, 6)):
        output, weights = sdpa(q, k, v, mask=mask)
        torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                   **TOLERANCE[dtype])
        torch.testing.assert_close(weights, _torch_weights(q, k, mask), **TOLERANCE[dtype])
        grads = torch.autograd.grad(output.sum(), (q, k, v))
        assert all(bool(torch.isfinite(t).all()) for t in (output, weights, *grads))


@pytest.mark.parametrize("number", ["1.10", "1.11"])
def test_hidden_large_score_cases_match_torch(sdpa, number):
    case = next(c for c in CASES if c.number == number)
    for seed in (0, 1, 12345):
        invocation = case.make(case_generator(seed, "scaled_dot_product_attention", number))
        q, k, v = invocation.args
        mask = invocation.kwargs.get("mask")
        output, _ = sdpa(q, k, v, mask=mask)
        torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                   **TOLERANCE[q.dtype])


def test_blocked_keys_get_no_weight_next_to_scores_of_minus_1e4(sdpa):
    """The hidden case that a finite fill of -1e4 fails: PyTorch agrees with the reference."""
    case = next(c for c in CASES if c.number == "1.17")
    for seed in (0, 1, 12345):
        invocation = case.make(case_generator(seed, "scaled_dot_product_attention", case.number))
        q, k, v = invocation.args
        mask = invocation.kwargs["mask"]
        assert bool(((q @ k.transpose(-2, -1)).masked_select(mask) == -1e4).all())
        output, weights = sdpa(q, k, v, mask=mask)
        torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                   **TOLERANCE[torch.float32])
        torch.testing.assert_close(weights, _torch_weights(q, k, mask), **TOLERANCE[torch.float32])
        assert bool((weights.masked_select(~mask) == 0).all())


def test_inputs_unchanged(sdpa):
    q, k, v = _qkv(((2,), 3, 4, 5, 2), torch.float32, seed=7)
    mask = random_mask(torch.Generator().manual_seed(8), 3, 4)
    before = [t.clone() for t in (q, k, v, mask)]
    sdpa(q, k, v, mask=mask)
    assert all(torch.equal(a, b) for a, b in zip(before, (q, k, v, mask)))
