"""The multi_head_attention reference agrees with torch.nn.MultiheadAttention.

problems.md promises that the result equals ``torch.nn.MultiheadAttention(E, H,
batch_first=True)`` given the same weights (in_proj = q, k, v stacked),
``attn_mask = ~mask.expand(B, H, Lq, Lk).reshape(B * H, Lq, Lk)`` and
``average_attn_weights=False``. These tests hold the reference to that promise.
"""

from __future__ import annotations

import pytest
import torch

from grader.hidden._inputs import causal_mask, random_mask
from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}


def _pair(embed_dim, heads, bias, dtype, seed):
    torch.manual_seed(seed)
    ours = solution_module("multi_head_attention").MultiHeadAttention(embed_dim, heads, bias=bias)
    ours = ours.to(dtype)
    theirs = torch.nn.MultiheadAttention(embed_dim, heads, bias=bias, batch_first=True,
                                         dtype=dtype)
    with torch.no_grad():
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            getattr(ours, name).weight.normal_(0.0, embed_dim ** -0.5)
            if bias:
                getattr(ours, name).bias.normal_(0.0, 0.5)
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight,
                                               ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        if bias:
            theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias,
                                                 ours.v_proj.bias]))
            theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return ours, theirs


def _torch_mask(mask, batch, heads, lq, lk):
    if mask is None:
        return None
    return ~mask.expand(batch, heads, lq, lk).reshape(batch * heads, lq, lk)


CONFIGS = [
    # embed_dim, heads, bias, dtype, batch, lq, lk, mask kind
    (8, 2, True, torch.float32, 2, 4, 6, None),
    (12, 3, False, torch.float64, 3, 5, 5, "causal"),
    (16, 4, True, torch.float64, 2, 3, 7, "2d"),
    (8, 4, True, torch.float32, 2, 4, 4, "per-batch"),
    (6, 1, True, torch.float64, 1, 2, 3, "per-head"),
]


def _mask(kind, gen, batch, heads, lq, lk):
    if kind is None:
        return None
    if kind == "causal":
        return causal_mask(lq, lk)
    if kind == "2d":
        return random_mask(gen, lq, lk)
    if kind == "per-batch":
        return random_mask(gen, batch, 1, lq, lk)
    return random_mask(gen, batch, heads, lq, lk)


@pytest.mark.parametrize("config", CONFIGS, ids=[f"E{c[0]}-H{c[1]}-{c[7]}" for c in CONFIGS])
def test_matches_torch_multihead_attention(config):
    embed_dim, heads, bias, dtype, batch, lq, lk, kind = config
    ours, theirs = _pair(embed_dim, heads, bias, dtype, seed=embed_dim + heads)
    gen = torch.Generator().manual_seed(7)
    query = torch.randn(batch, lq, embed_dim, generator=gen, dtype=dtype, requires_grad=True)
    key = torch.randn(batch, lk, embed_dim, generator=gen, dtype=dtype, requires_grad=True)
    value = torch.randn(batch, lk, embed_dim, generator=gen, dtype=dtype, requires_grad=True)
    mask = _mask(kind, gen, batch, heads, lq, lk)

    out, weights = ours(query, key, value, mask=mask, return_weights=True)
    ref_out, ref_weights = theirs(query, key, value, need_weights=True,
                                  attn_mask=_torch_mask(mask, batch, heads, lq, lk),
                                  average_attn_weights=False)
    tol = TOLERANCES[dtype]
    torch.testing.assert_close(out, ref_out, **tol)
    torch.testing.assert_close(weights, ref_weights, **tol)

    cotangent = torch.randn(out.shape, generator=gen, dtype=dtype)
    ours_grads = torch.autograd.grad(out, (query, key, value), cotangent)
    theirs_grads = torch.autograd.grad(ref_out, (query, key, value), cotangent)
    for a, b in zip(ours_grads, theirs_grads):
        torch.testing.assert_close(a, b, **tol)


def test_output_only_by_default():
    ours, theirs = _pair(8, 2, True, torch.float64, seed=1)
    x = torch.randn(2, 3, 8, dtype=torch.float64)
    out = ours(x, x, x)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, theirs(x, x, x, need_weights=False)[0],
                               **TOLERANCES[torch.float64])


def test_state_dict_matches_the_contract():
    module = solution_module("multi_head_attention").MultiHeadAttention(8, 2)
    assert sorted(module.state_dict()) == sorted(
        f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj") for w in ("weight", "bias"))
    no_bias = solution_module("multi_head_attention").MultiHeadAttention(8, 2, bias=False)
    assert sorted(no_bias.state_dict()) == sorted(
        f"{p}.weight" for p in ("q_proj", "k_proj", "v_proj", "out_proj"))
    with pytest.raises(ValueError):
        solution_module("multi_head_attention").MultiHeadAttention(10, 4)
