"""The flash_attention reference agrees with dense attention computed independently.

- ``output`` equals PyTorch's ``scaled_dot_product_attention`` (``is_causal``
  aligns at the top left, as the contract does), values and gradients.
- ``lse`` equals the log-sum-exp of the full masked score matrix, computed
  densely in float64, and its gradient too.
- The result does not depend on the block size, and large scores stay finite.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
SHAPES = [  # batch, Lq, Lk, D, Dv, block_size
    ((), 1, 1, 3, 2, 1),
    ((2,), 7, 7, 8, 5, 3),
    ((2,), 5, 13, 4, 6, 4),
    ((3,), 12, 5, 6, 3, 2),
    ((2, 2), 9, 10, 16, 4, 64),
    ((1,), 33, 40, 8, 8, 7),
]


@pytest.fixture(scope="module")
def flash_attention():
    return solution_module("flash_attention").flash_attention


def _inputs(batch, lq, lk, d, dv, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*batch, n, width, generator=g, dtype=torch.float64).to(dtype)
            for n, width in ((lq, d), (lk, d), (lk, dv))]


def _dense_lse(q, k, causal):
    """log Σ_j exp(q·k_j / √D) over the allowed keys, from the full matrix in float64."""
    scores = q.double() @ k.double().transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        lq, lk = scores.shape[-2:]
        scores = scores.masked_fill(~torch.ones(lq, lk, dtype=torch.bool).tril(), float("-inf"))
    return torch.logsumexp(scores, dim=-1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_dense_attention(flash_attention, shape, causal, dtype):
    *dims, block_size = shape
    q, k, v = _inputs(*dims, dtype)
    output, lse = flash_attention(q, k, v, causal=causal, block_size=block_size)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    assert output.dtype == lse.dtype == dtype
    torch.testing.assert_close(output, expected, **TOLERANCES[dtype])
    torch.testing.assert_close(lse, _dense_lse(q, k, causal).to(dtype), **TOLERANCES[dtype])


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block_size", [1, 3, 16])
def test_gradients_match_dense_attention(flash_attention, causal, block_size):
    q, k, v = (t.requires_grad_() for t in _inputs((2,), 6, 9, 4, 3, torch.float64, seed=1))
    g = torch.Generator().manual_seed(2)
    d_out = torch.randn(2, 6, 3, generator=g, dtype=torch.float64)
    d_lse = torch.randn(2, 6, generator=g, dtype=torch.float64)
    output, lse = flash_attention(q, k, v, causal=causal, block_size=block_size)
    ours = torch.autograd.grad([output, lse], [q, k, v], [d_out, d_lse])
    expected_out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    theirs = torch.autograd.grad([expected_out, _dense_lse(q, k, causal)], [q, k, v],
                                 [d_out, d_lse], allow_unused=True)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


def test_block_size_changes_nothing(flash_attention):
    q, k, v = _inputs((2,), 10, 17, 8, 4, torch.float64, seed=3)
    first = flash_attention(q, k, v, causal=True, block_size=1)
    for block_size in (2, 5, 17, 100):
        for a, b in zip(flash_attention(q, k, v, causal=True, block_size=block_size), first):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_large_scores_finite_and_inputs_unchanged(flash_attention):
    g = torch.Generator().manual_seed(4)
    q = torch.randint(-50, 51, (2, 6, 16), generator=g).float()
    k = torch.randint(-50, 51, (2, 9, 16), generator=g).float()
    v = torch.randn(2, 9, 3, generator=g)
    before = [t.clone() for t in (q, k, v)]
    for causal in (False, True):
        output, lse = flash_attention(q, k, v, causal=causal, block_size=4)
        assert torch.isfinite(output).all() and torch.isfinite(lse).all()
        torch.testing.assert_close(lse, _dense_lse(q, k, causal).float(), rtol=1e-6, atol=0)
    for a, b in zip(before, (q, k, v)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("block_size", [0, -1])
def test_rejects_block_size_below_one(flash_attention, block_size):
    q, k, v = _inputs((), 2, 3, 4, 2, torch.float32)
    with pytest.raises(ValueError):
        flash_attention(q, k, v, block_size=block_size)
