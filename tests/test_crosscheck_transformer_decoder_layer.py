"""The transformer_decoder_layer reference agrees with torch.nn.TransformerDecoderLayer.

problems.md promises that the result equals ``torch.nn.TransformerDecoderLayer(E, H,
dim_feedforward, dropout=0.0, batch_first=True, norm_first=…, layer_norm_eps=eps)``
given the same weights: our ``cross_attn`` is PyTorch's ``multihead_attn``. The causal
self-attention is given to PyTorch as an explicit ``tgt_mask`` (True = blocked): in
torch 2.13 ``tgt_is_causal=True`` alone is silently ignored under ``no_grad``.
"""

from __future__ import annotations

import pytest
import torch

from grader.hidden._inputs import random_mask
from grader.references import solution_module
from tests.test_crosscheck_transformer_encoder_layer import (PROJECTIONS, TOLERANCES,
                                                             copy_attention, copy_block,
                                                             padding_mask, randomise)


def _pair(d_model, heads, ff, norm_first, eps, dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    ours = solution_module("transformer_decoder_layer").TransformerDecoderLayer(
        d_model, heads, ff, norm_first=norm_first, eps=eps).to(dtype)
    randomise(ours, gen)
    theirs = torch.nn.TransformerDecoderLayer(d_model, heads, ff, dropout=0.0, batch_first=True,
                                              norm_first=norm_first, layer_norm_eps=eps,
                                              dtype=dtype)
    with torch.no_grad():
        copy_attention(ours.self_attn, theirs.self_attn)
        copy_attention(ours.cross_attn, theirs.multihead_attn)
        copy_block(ours, theirs, ("norm1", "norm2", "norm3"))
    return ours, theirs


def _memory_masks(kind, gen, batch, heads, tgt, src):
    """(our memory_mask, keyword arguments that say the same to PyTorch's layer)."""
    if kind is None:
        return None, {}
    if kind == "padding":
        mask = padding_mask(gen, batch, src)
        return mask, {"memory_key_padding_mask": ~mask[:, 0, 0, :]}
    mask = random_mask(gen, batch, heads, tgt, src)  # a different mask per head
    return mask, {"memory_mask": ~mask.reshape(batch * heads, tgt, src)}


CONFIGS = [
    # d_model, heads, dim_feedforward, norm_first, eps, dtype, batch, T, S, causal, memory mask
    (8, 2, 16, False, 1e-5, torch.float32, 2, 4, 6, True, None),
    (8, 2, 16, True, 1e-5, torch.float32, 2, 5, 3, True, "padding"),
    (12, 3, 20, False, 1e-5, torch.float64, 3, 4, 4, True, "padding"),
    (12, 4, 8, True, 1e-5, torch.float64, 2, 6, 5, False, "per-head"),
    (16, 4, 32, False, 0.5, torch.float64, 2, 3, 7, False, None),
    (6, 1, 12, True, 1e-3, torch.float32, 1, 1, 2, True, None),
]


@pytest.mark.parametrize("config", CONFIGS,
                         ids=[f"E{c[0]}-H{c[1]}-{'pre' if c[3] else 'post'}-{c[5]}-T{c[7]}-S{c[8]}"
                              f"-{'causal' if c[9] else 'full'}-{c[10]}" for c in CONFIGS])
def test_matches_torch_decoder_layer(config):
    d_model, heads, ff, norm_first, eps, dtype, batch, tgt, src, causal, kind = config
    ours, theirs = _pair(d_model, heads, ff, norm_first, eps, dtype, seed=d_model + heads)
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(batch, tgt, d_model, generator=gen, dtype=dtype, requires_grad=True)
    memory = torch.randn(batch, src, d_model, generator=gen, dtype=dtype, requires_grad=True)
    memory_mask, torch_masks = _memory_masks(kind, gen, batch, heads, tgt, src)
    if causal:
        torch_masks["tgt_mask"] = torch.ones(tgt, tgt, dtype=torch.bool).triu(1)  # True = blocked

    out = ours(x, memory, causal=causal, memory_mask=memory_mask)
    ref = theirs(x, memory, **torch_masks)
    tol = TOLERANCES[dtype]
    torch.testing.assert_close(out, ref, **tol)

    cotangent = torch.randn(out.shape, generator=gen, dtype=dtype)
    grads = torch.autograd.grad(out, (x, memory), cotangent, retain_graph=True)
    ref_grads = torch.autograd.grad(ref, (x, memory), cotangent, retain_graph=True)
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b, **tol)

    out.backward(cotangent)
    ref.backward(cotangent)
    for ours_attn, theirs_attn in ((ours.self_attn, theirs.self_attn),
                                   (ours.cross_attn, theirs.multihead_attn)):
        q_k_v = torch.cat([getattr(ours_attn, p).weight.grad for p in PROJECTIONS])
        torch.testing.assert_close(q_k_v, theirs_attn.in_proj_weight.grad, **tol)
    for name in ("linear1.weight", "linear2.bias", "norm1.weight", "norm2.bias", "norm3.weight"):
        torch.testing.assert_close(ours.get_parameter(name).grad, theirs.get_parameter(name).grad,
                                   **tol)


def test_causal_means_no_future():
    """Changing a later target token leaves every earlier output unchanged."""
    ours, _ = _pair(8, 2, 16, True, 1e-5, torch.float64, seed=3)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(1, 5, 8, generator=gen, dtype=torch.float64)
    memory = torch.randn(1, 4, 8, generator=gen, dtype=torch.float64)
    changed = x.clone()
    changed[:, 3:] += 1.0
    with torch.no_grad():
        a, b = ours(x, memory), ours(changed, memory)
    torch.testing.assert_close(a[:, :3], b[:, :3], rtol=0, atol=1e-12)
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_state_dict_matches_the_contract():
    module = solution_module("transformer_decoder_layer").TransformerDecoderLayer(8, 2, 16)
    attention = [f"{a}.{p}.{w}" for a in ("self_attn", "cross_attn")
                 for p in ("q_proj", "k_proj", "v_proj", "out_proj") for w in ("weight", "bias")]
    block = [f"{m}.{w}" for m in ("linear1", "linear2", "norm1", "norm2", "norm3")
             for w in ("weight", "bias")]
    assert sorted(module.state_dict()) == sorted(attention + block)
    with pytest.raises(ValueError):
        solution_module("transformer_decoder_layer").TransformerDecoderLayer(10, 4, 16)
