"""The sliding_window_attention reference agrees with dense masked attention.

The independent computation builds the full (L, L) band mask (fine at the small
sizes of a test) and hands it to PyTorch's ``scaled_dot_product_attention``;
a per-query loop over the allowed keys checks the band itself.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
SHAPES = [  # batch, L, D, Dv
    ((), 1, 3, 2),
    ((2,), 9, 8, 5),
    ((3,), 16, 4, 4),
    ((2, 2), 11, 6, 3),
]
WINDOWS = [1, 2, 3, 5, 16, 40]


@pytest.fixture(scope="module")
def sliding_window_attention():
    return solution_module("sliding_window_attention").sliding_window_attention


def _inputs(batch, length, d, dv, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*batch, length, width, generator=g, dtype=torch.float64).to(dtype)
            for width in (d, d, dv)]


def _band(length, window, causal):
    """(L, L) bool, True where query i may attend to key j."""
    i = torch.arange(length).unsqueeze(-1)
    j = torch.arange(length)
    return (j > i - window) & (j <= i) if causal else (i - j).abs() < window


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_dense_band_attention(sliding_window_attention, shape, window, causal, dtype):
    q, k, v = _inputs(*shape, dtype)
    ours = sliding_window_attention(q, k, v, window, causal=causal)
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=_band(shape[1], window, causal))
    assert ours.dtype == dtype and ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, **TOLERANCES[dtype])


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("window", [1, 3, 7])
def test_gradients_match_dense_band_attention(sliding_window_attention, window, causal):
    q, k, v = (t.requires_grad_() for t in _inputs((2,), 10, 4, 3, torch.float64, seed=1))
    cotangent = torch.randn(2, 10, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    ours = torch.autograd.grad(sliding_window_attention(q, k, v, window, causal=causal), [q, k, v],
                               cotangent)
    dense = F.scaled_dot_product_attention(q, k, v, attn_mask=_band(10, window, causal))
    theirs = torch.autograd.grad(dense, [q, k, v], cotangent)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("causal", [False, True])
def test_matches_a_loop_over_queries(sliding_window_attention, causal):
    q, k, v = _inputs((), 12, 4, 3, torch.float64, seed=3)
    window = 4
    ours = sliding_window_attention(q, k, v, window, causal=causal)
    for i in range(12):
        keys = [j for j in range(12) if i - window < j <= i or (not causal and abs(i - j) < window)]
        weights = torch.softmax(q[i] @ k[keys].T / math.sqrt(4), dim=-1)
        torch.testing.assert_close(ours[i], weights @ v[keys], rtol=1e-9, atol=1e-10)


def test_large_scores_finite_and_inputs_unchanged(sliding_window_attention):
    g = torch.Generator().manual_seed(4)
    q = torch.randint(-50, 51, (2, 10, 16), generator=g).float()
    k = torch.randint(-50, 51, (2, 10, 16), generator=g).float()
    v = torch.randn(2, 10, 3, generator=g)
    before = [t.clone() for t in (q, k, v)]
    for causal in (False, True):
        assert torch.isfinite(sliding_window_attention(q, k, v, 3, causal=causal)).all()
    for a, b in zip(before, (q, k, v)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("window", [0, -2])
def test_rejects_window_below_one(sliding_window_attention, window):
    q, k, v = _inputs((), 4, 2, 2, torch.float32)
    with pytest.raises(ValueError):
        sliding_window_attention(q, k, v, window)
