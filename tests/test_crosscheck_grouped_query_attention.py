"""The grouped_query_attention reference agrees with independent implementations.

- With as many key/value heads as query heads it is the multi_head_attention
  reference (itself cross-checked against torch.nn.MultiheadAttention).
- In general it equals PyTorch's scaled_dot_product_attention applied to its own
  projections, with the key/value heads repeat_interleave'd to the query heads
  (and, where PyTorch has it, with ``enable_gqa=True`` instead).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.hidden._inputs import random_mask
from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}


def _has_enable_gqa() -> bool:
    """Whether this PyTorch's scaled_dot_product_attention accepts enable_gqa (2.5 and later)."""
    q, kv = torch.zeros(1, 2, 1, 1), torch.zeros(1, 1, 1, 1)
    try:
        F.scaled_dot_product_attention(q, kv, kv, enable_gqa=True)
    except TypeError:
        return False
    return True


HAS_ENABLE_GQA = _has_enable_gqa()


def _gqa(embed_dim, heads, kv_heads, bias, dtype, seed):
    torch.manual_seed(seed)
    module = solution_module("grouped_query_attention").GroupedQueryAttention(
        embed_dim, heads, kv_heads, bias=bias).to(dtype)
    with torch.no_grad():
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            getattr(module, name).weight.normal_(0.0, embed_dim ** -0.5)
            if bias:
                getattr(module, name).bias.normal_(0.0, 0.5)
    return module


def _mask(kind, gen, batch, heads, length):
    if kind is None:
        return None
    if kind == "2d":
        return random_mask(gen, length, length)
    if kind == "per-batch":
        return random_mask(gen, batch, 1, length, length)
    return random_mask(gen, batch, heads, length, length)


def _allowed(mask, causal, length):
    """The combined bool mask (True = may attend), or None."""
    if causal:
        past = torch.ones(length, length, dtype=torch.bool).tril()
        return past if mask is None else mask & past
    return mask


CONFIGS = [
    # embed_dim, heads, kv_heads, bias, dtype, batch, length, mask kind, causal
    (16, 4, 2, False, torch.float32, 2, 6, None, False),
    (12, 6, 3, True, torch.float64, 2, 5, "2d", False),
    (16, 8, 2, False, torch.float64, 3, 4, None, True),
    (12, 4, 1, False, torch.float32, 2, 5, "per-batch", True),
    (8, 4, 4, True, torch.float64, 2, 4, "per-head", False),
]
IDS = [f"E{c[0]}-H{c[1]}-KV{c[2]}-{c[7]}-{'causal' if c[8] else 'full'}" for c in CONFIGS]


def _inputs(config):
    embed_dim, heads, kv_heads, bias, dtype, batch, length, kind, causal = config
    module = _gqa(embed_dim, heads, kv_heads, bias, dtype, seed=embed_dim * heads + kv_heads)
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(batch, length, embed_dim, generator=gen, dtype=dtype)
    mask = _mask(kind, gen, batch, heads, length)
    if mask is not None and causal:
        mask = mask | torch.eye(length, dtype=torch.bool)  # keep a key in every row
    return module, x, mask


def _projected(module, x):
    B, L, E = x.shape
    H, Hkv, hd = module.num_heads, module.num_kv_heads, module.head_dim
    q = module.q_proj(x).view(B, L, H, hd).transpose(1, 2)  # (B, H, L, hd)
    k = module.k_proj(x).view(B, L, Hkv, hd).transpose(1, 2)  # (B, Hkv, L, hd)
    v = module.v_proj(x).view(B, L, Hkv, hd).transpose(1, 2)  # (B, Hkv, L, hd)
    return q, k, v


def _finish(module, heads):
    B, H, L, hd = heads.shape
    return module.out_proj(heads.transpose(1, 2).reshape(B, L, H * hd))  # (B, L, E)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_sdpa_on_repeated_key_value_heads(config):
    module, x, mask = _inputs(config)
    causal, dtype = config[8], config[4]
    x = x.requires_grad_(True)
    out = module(x, mask=mask, causal=causal)

    q, k, v = _projected(module, x)
    group = module.num_heads // module.num_kv_heads
    k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)  # (B, H, L, hd)
    expected = _finish(module, F.scaled_dot_product_attention(
        q, k, v, attn_mask=_allowed(mask, causal, x.shape[1])))
    torch.testing.assert_close(out, expected, **TOLERANCES[dtype])

    cotangent = torch.randn(out.shape, dtype=dtype, generator=torch.Generator().manual_seed(2))
    params = list(module.parameters())
    ours = torch.autograd.grad(out, [x, *params], cotangent)
    theirs = torch.autograd.grad(expected, [x, *params], cotangent)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, **TOLERANCES[dtype])


@pytest.mark.skipif(not HAS_ENABLE_GQA, reason="this PyTorch has no enable_gqa")
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_sdpa_enable_gqa(config):
    module, x, mask = _inputs(config)
    causal, dtype = config[8], config[4]
    with torch.no_grad():
        out = module(x, mask=mask, causal=causal)
        q, k, v = _projected(module, x)
        heads = F.scaled_dot_product_attention(
            q, k, v, attn_mask=_allowed(mask, causal, x.shape[1]), enable_gqa=True)
        torch.testing.assert_close(out, _finish(module, heads), **TOLERANCES[dtype])


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_equals_multi_head_attention_when_every_head_has_its_own_key_value(bias, dtype):
    gqa = _gqa(12, 3, 3, bias, dtype, seed=5)
    mha = solution_module("multi_head_attention").MultiHeadAttention(12, 3, bias=bias).to(dtype)
    mha.load_state_dict(gqa.state_dict(), strict=True)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 6, 12, generator=gen, dtype=dtype)
    mask = random_mask(gen, 2, 1, 6, 6) | torch.eye(6, dtype=torch.bool)
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    with torch.no_grad():
        torch.testing.assert_close(gqa(x), mha(x, x, x), **TOLERANCES[dtype])
        torch.testing.assert_close(gqa(x, mask=mask, causal=True), mha(x, x, x, mask=mask & causal),
                                   **TOLERANCES[dtype])


def test_state_dict_matches_the_contract():
    cls = solution_module("grouped_query_attention").GroupedQueryAttention
    shapes = {k: tuple(v.shape) for k, v in cls(16, 4, 2).state_dict().items()}
    assert shapes == {"q_proj.weight": (16, 16), "k_proj.weight": (8, 16),
                      "v_proj.weight": (8, 16), "out_proj.weight": (16, 16)}
    assert len(cls(16, 4, 1, bias=True).state_dict()) == 8
    for bad in ((10, 4, 2), (12, 4, 3)):
        with pytest.raises(ValueError):
            cls(*bad)
