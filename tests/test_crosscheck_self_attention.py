"""The self_attention reference agrees with PyTorch's own building blocks.

PyTorch's attention kernels are forbidden to candidates, not to us: here they
are an independent implementation of the same contract.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader import registry
from grader.misconceptions.self_attention import VARIANTS
from grader.references import solution_module

TOLERANCE = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
SHAPES = [  # B, L, D, Dk, Dv
    (1, 1, 3, 2, 4),
    (2, 5, 6, 4, 3),
    (3, 7, 4, 8, 4),
    (2, 6, 5, 5, 5),
]


@pytest.fixture(scope="module")
def self_attention():
    return solution_module("self_attention").self_attention


def _inputs(shape, dtype, seed=0):
    b, l, d, d_k, d_v = shape
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, l, d, generator=g, dtype=torch.float64).to(dtype)
    ws = [(torch.randn(d, n, generator=g, dtype=torch.float64) / math.sqrt(d)).to(dtype)
          for n in (d_k, d_k, d_v)]
    return x, *ws


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_torch_sdpa(self_attention, shape, causal, dtype):
    x, w_q, w_k, w_v = _inputs(shape, dtype)
    ours = self_attention(x, w_q, w_k, w_v, causal=causal)
    theirs = F.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, is_causal=causal)
    assert ours.dtype == dtype and ours.shape == shape[:2] + (shape[4],)
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])


@pytest.mark.parametrize("causal", [False, True])
def test_gradients_match_torch_sdpa(self_attention, causal):
    inputs = [t.requires_grad_() for t in _inputs((2, 5, 6, 4, 3), torch.float64, seed=1)]
    cotangent = torch.randn(2, 5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    ours = torch.autograd.grad(self_attention(*inputs, causal=causal), inputs, cotangent)
    x, w_q, w_k, w_v = inputs
    theirs = torch.autograd.grad(
        F.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, is_causal=causal), inputs, cotangent)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("causal", [False, True])
def test_matches_one_head_multihead_attention(self_attention, causal):
    # Square weights: one head of nn.MultiheadAttention without biases and with an
    # identity output projection is exactly self-attention.
    x, w_q, w_k, w_v = _inputs((2, 6, 4, 4, 4), torch.float64, seed=3)
    mha = torch.nn.MultiheadAttention(4, 1, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([w_q.T, w_k.T, w_v.T]))  # Linear stores (out, in)
        mha.out_proj.weight.copy_(torch.eye(4, dtype=torch.float64))
    blocked = ~torch.ones(6, 6, dtype=torch.bool).tril() if causal else None  # True = blocked there
    theirs, _ = mha(x, x, x, attn_mask=blocked, need_weights=False)
    torch.testing.assert_close(self_attention(x, w_q, w_k, w_v, causal=causal), theirs,
                               rtol=1e-9, atol=1e-10)


def test_inputs_unchanged_and_finite_at_large_scores(self_attention):
    g = torch.Generator().manual_seed(4)
    x = torch.randint(-8, 9, (2, 6, 4), generator=g).float()
    w_q, w_k = (torch.randint(-4, 5, (4, 16), generator=g).float() for _ in range(2))
    w_v = torch.randn(4, 3, generator=g)
    before = [t.clone() for t in (x, w_q, w_k, w_v)]
    for causal in (False, True):
        out = self_attention(x, w_q, w_k, w_v, causal=causal)
        assert torch.isfinite(out).all()
    for a, b in zip(before, (x, w_q, w_k, w_v)):
        assert torch.equal(a, b)


def test_worked_example_numbers_of_the_statement():
    # The statement quotes the first row of the worked example without the
    # scale and with sqrt(D) instead of sqrt(Dk); the misconception references
    # reproduce those numbers.
    public = registry.get("self_attention").public_tests_path
    namespace = {}
    exec(compile(public.read_text(encoding="utf-8"), str(public), "exec"), namespace)
    x, w_q, w_k, w_v = namespace["X"], namespace["W_Q"], namespace["W_K"], namespace["W_V"]
    no_scale = VARIANTS["self_attention.no_scale"][0]["self_attention"]
    model_dim = VARIANTS["self_attention.scale_by_model_dim"][0]["self_attention"]
    torch.testing.assert_close(no_scale(x, w_q, w_k, w_v)[0, 0],
                               torch.tensor([0.5761, 0.2119, 0.2119]), rtol=0, atol=6e-5)
    torch.testing.assert_close(model_dim(x, w_q, w_k, w_v)[0, 0],
                               torch.tensor([0.4711, 0.2645, 0.2645]), rtol=0, atol=6e-5)
