"""The kv_cache reference agrees with multi-head attention on the whole sequence.

problems.md promises that feeding a sequence in any split into chunks gives the
outputs of one call on the whole sequence, which equals problem 3's module with
a causal mask and the same weights, and therefore
``torch.nn.MultiheadAttention(E, H, batch_first=True)`` with a causal mask and
copied weights. These tests hold the reference to that promise, for whole and
chunked feeding, in both dtypes, gradients included.
"""

from __future__ import annotations

import pytest
import torch

from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


def _cached(embed_dim, heads, dtype, seed):
    torch.manual_seed(seed)
    module = solution_module("kv_cache").CachedSelfAttention(embed_dim, heads).to(dtype)
    with torch.no_grad():
        for name in PROJECTIONS:
            getattr(module, name).weight.normal_(0.0, embed_dim ** -0.5)
            getattr(module, name).bias.normal_(0.0, 0.5)
    return module


def _problem_3(cached):
    mha = solution_module("multi_head_attention").MultiHeadAttention(cached.embed_dim,
                                                                     cached.num_heads)
    mha = mha.to(cached.q_proj.weight.dtype)
    mha.load_state_dict(cached.state_dict(), strict=True)
    return mha


def _torch_mha(cached):
    theirs = torch.nn.MultiheadAttention(cached.embed_dim, cached.num_heads, batch_first=True,
                                         dtype=cached.q_proj.weight.dtype)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([cached.q_proj.weight, cached.k_proj.weight,
                                               cached.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([cached.q_proj.bias, cached.k_proj.bias,
                                             cached.v_proj.bias]))
        theirs.out_proj.weight.copy_(cached.out_proj.weight)
        theirs.out_proj.bias.copy_(cached.out_proj.bias)
    return theirs


def _in_chunks(module, x, chunks, cache=None):
    outputs, start = [], 0
    for length in chunks:
        output, cache = module(x[:, start:start + length], cache)
        outputs.append(output)
        start += length
    return torch.cat(outputs, dim=1), cache


def _causal(length):
    return torch.ones(length, length, dtype=torch.bool).tril()


CONFIGS = [
    # embed_dim, heads, dtype, batch, chunks
    (8, 2, torch.float32, 2, (6,)),
    (8, 2, torch.float32, 2, (3, 1, 1, 1)),
    (12, 3, torch.float64, 3, (2, 3, 1, 2)),
    (16, 4, torch.float64, 1, (1,) * 7),
    (6, 1, torch.float64, 2, (4, 2)),
    (4, 4, torch.float32, 2, (2, 2, 1)),
]


@pytest.mark.parametrize("config", CONFIGS,
                         ids=[f"E{c[0]}-H{c[1]}-{str(c[2])[6:]}-{'-'.join(map(str, c[4]))}"
                              for c in CONFIGS])
def test_chunks_equal_multi_head_attention_with_a_causal_mask(config):
    embed_dim, heads, dtype, batch, chunks = config
    length = sum(chunks)
    cached = _cached(embed_dim, heads, dtype, seed=embed_dim + len(chunks))
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(batch, length, embed_dim, generator=gen, dtype=dtype, requires_grad=True)

    out, (k, v) = _in_chunks(cached, x, chunks)
    ours_3 = _problem_3(cached)(x, x, x, mask=_causal(length))
    theirs, _ = _torch_mha(cached)(x, x, x, attn_mask=~_causal(length), need_weights=False)
    tol = TOLERANCES[dtype]
    torch.testing.assert_close(out, ours_3, **tol)
    torch.testing.assert_close(out, theirs, **tol)

    # The cache holds every token's projected keys and values, head h = features [h*hd, (h+1)*hd).
    hd = embed_dim // heads
    assert k.shape == v.shape == (batch, heads, length, hd)
    torch.testing.assert_close(k, cached.k_proj(x).view(batch, length, heads, hd).transpose(1, 2),
                               **tol)
    torch.testing.assert_close(v, cached.v_proj(x).view(batch, length, heads, hd).transpose(1, 2),
                               **tol)

    # Gradients of the output reach x through the cache exactly as through one call.
    cotangent = torch.randn(out.shape, generator=gen, dtype=dtype)
    (ours_grad,) = torch.autograd.grad(out, x, cotangent)
    (theirs_grad,) = torch.autograd.grad(theirs, x, cotangent)
    torch.testing.assert_close(ours_grad, theirs_grad, **tol)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_cache_passed_in_continues_the_sequence(dtype):
    cached = _cached(8, 2, dtype, seed=3)
    x = torch.randn(2, 9, 8, dtype=dtype)
    _, prompt_cache = cached(x[:, :4])
    before = tuple(t.detach().clone() for t in prompt_cache)
    out, (k, v) = _in_chunks(cached, x[:, 4:], (2, 1, 2), cache=prompt_cache)
    whole = _problem_3(cached)(x, x, x, mask=_causal(9))
    torch.testing.assert_close(out, whole[:, 4:], **TOLERANCES[dtype])
    assert all(torch.equal(a, b) for a, b in zip(prompt_cache, before))  # not modified in place
    assert torch.equal(k[:, :, :4], before[0]) and torch.equal(v[:, :, :4], before[1])


def test_none_empty_and_list_caches_mean_the_same():
    cached = _cached(8, 2, torch.float64, seed=5)
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    out, cache = cached(x)
    empty = torch.zeros(2, 2, 0, 4, dtype=torch.float64)
    for given in ((empty, empty), [empty, empty]):
        again, again_cache = cached(x, given)
        assert torch.equal(again, out)
        assert all(torch.equal(a, b) for a, b in zip(again_cache, cache))
    last, _ = cached(x[:, 4:], list(c[:, :, :4] for c in cache))
    torch.testing.assert_close(last, out[:, 4:], **TOLERANCES[torch.float64])


def test_state_dict_and_errors_match_the_contract():
    module = solution_module("kv_cache").CachedSelfAttention(8, 2)
    assert sorted(module.state_dict()) == sorted(f"{p}.{w}" for p in PROJECTIONS
                                                 for w in ("weight", "bias"))
    with pytest.raises(ValueError):
        solution_module("kv_cache").CachedSelfAttention(10, 4)
