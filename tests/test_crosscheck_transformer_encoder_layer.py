"""The transformer_encoder_layer reference agrees with torch.nn.TransformerEncoderLayer.

problems.md promises that the result equals ``torch.nn.TransformerEncoderLayer(E, H,
dim_feedforward, dropout=0.0, batch_first=True, norm_first=…, layer_norm_eps=eps)``
given the same weights (its ``in_proj_weight`` is q, k, v stacked). PyTorch's masks
mean the opposite of ours (True = blocked), so they are given ``~mask``. PyTorch's
layer stays in training mode (dropout is 0): in eval mode its fast path packs
padded sequences and returns zeros at padded positions.
"""

from __future__ import annotations

import pytest
import torch

from grader.hidden._inputs import random_mask
from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}
PROJECTIONS = ("q_proj", "k_proj", "v_proj")


def randomise(module, gen):
    """Unit-scale weights, and LayerNorm weights away from their defaults (1 and 0)."""
    with torch.no_grad():
        for name, param in module.named_parameters():
            noise = torch.randn(param.shape, generator=gen, dtype=torch.float64).to(param.dtype)
            if name.startswith("norm") and name.endswith("weight"):
                param.copy_(1.0 + 0.3 * noise)
            elif name.endswith("bias"):
                param.copy_(0.3 * noise)
            else:
                param.copy_(noise / param.shape[-1] ** 0.5)


def copy_attention(ours, theirs):
    """Copy our q/k/v/out projections into a torch.nn.MultiheadAttention."""
    theirs.in_proj_weight.copy_(torch.cat([getattr(ours, p).weight for p in PROJECTIONS]))
    theirs.in_proj_bias.copy_(torch.cat([getattr(ours, p).bias for p in PROJECTIONS]))
    theirs.out_proj.weight.copy_(ours.out_proj.weight)
    theirs.out_proj.bias.copy_(ours.out_proj.bias)


def copy_block(ours, theirs, norms):
    """Copy the feed-forward network and the LayerNorms (same names on both sides)."""
    for name in ("linear1", "linear2") + norms:
        getattr(theirs, name).weight.copy_(getattr(ours, name).weight)
        getattr(theirs, name).bias.copy_(getattr(ours, name).bias)


def _pair(d_model, heads, ff, norm_first, eps, dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    ours = solution_module("transformer_encoder_layer").TransformerEncoderLayer(
        d_model, heads, ff, norm_first=norm_first, eps=eps).to(dtype)
    randomise(ours, gen)
    theirs = torch.nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, batch_first=True,
                                              norm_first=norm_first, layer_norm_eps=eps,
                                              dtype=dtype)
    with torch.no_grad():
        copy_attention(ours.self_attn, theirs.self_attn)
        copy_block(ours, theirs, ("norm1", "norm2"))
    return ours, theirs


def padding_mask(gen, batch, length):
    """(B, 1, 1, L) padding mask: each sequence keeps its first n >= 1 positions."""
    lengths = torch.randint(1, length + 1, (batch,), generator=gen)
    return (torch.arange(length) < lengths[:, None]).view(batch, 1, 1, length)


def _masks(kind, gen, batch, heads, length):
    """(our mask, keyword arguments that say the same to PyTorch's layer)."""
    if kind is None:
        return None, {}
    if kind == "padding":
        mask = padding_mask(gen, batch, length)
        return mask, {"src_key_padding_mask": ~mask[:, 0, 0, :]}
    if kind == "2d":
        mask = random_mask(gen, length, length)
        return mask, {"src_mask": ~mask}
    mask = random_mask(gen, batch, heads, length, length)  # a different mask per head
    return mask, {"src_mask": ~mask.reshape(batch * heads, length, length)}


CONFIGS = [
    # d_model, heads, dim_feedforward, norm_first, eps, dtype, batch, length, mask kind
    (8, 2, 16, False, 1e-5, torch.float32, 2, 5, None),
    (8, 2, 16, True, 1e-5, torch.float32, 2, 5, "padding"),
    (12, 3, 20, False, 1e-5, torch.float64, 3, 4, "padding"),
    (12, 4, 8, True, 1e-5, torch.float64, 2, 6, "2d"),
    (16, 4, 32, False, 0.5, torch.float64, 2, 5, "per-head"),
    (6, 1, 12, True, 1e-3, torch.float32, 1, 3, None),
]


@pytest.mark.parametrize("config", CONFIGS,
                         ids=[f"E{c[0]}-H{c[1]}-{'pre' if c[3] else 'post'}-{c[5]}-{c[8]}"
                              for c in CONFIGS])
def test_matches_torch_encoder_layer(config):
    d_model, heads, ff, norm_first, eps, dtype, batch, length, kind = config
    ours, theirs = _pair(d_model, heads, ff, norm_first, eps, dtype, seed=d_model + heads)
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(batch, length, d_model, generator=gen, dtype=dtype, requires_grad=True)
    mask, torch_masks = _masks(kind, gen, batch, heads, length)

    out = ours(x, mask=mask)
    ref = theirs(x, **torch_masks)
    tol = TOLERANCES[dtype]
    torch.testing.assert_close(out, ref, **tol)

    cotangent = torch.randn(out.shape, generator=gen, dtype=dtype)
    (grad_x,) = torch.autograd.grad(out, x, cotangent, retain_graph=True)
    (ref_grad_x,) = torch.autograd.grad(ref, x, cotangent, retain_graph=True)
    torch.testing.assert_close(grad_x, ref_grad_x, **tol)

    out.backward(cotangent)
    ref.backward(cotangent)
    q_k_v = torch.cat([getattr(ours.self_attn, p).weight.grad for p in PROJECTIONS])
    torch.testing.assert_close(q_k_v, theirs.self_attn.in_proj_weight.grad, **tol)
    for name in ("linear1.weight", "linear2.bias", "norm1.weight", "norm2.bias",
                 "self_attn.out_proj.weight"):
        torch.testing.assert_close(ours.get_parameter(name).grad, theirs.get_parameter(name).grad,
                                   **tol)


def test_state_dict_matches_the_contract():
    module = solution_module("transformer_encoder_layer").TransformerEncoderLayer(8, 2, 16)
    attention = [f"self_attn.{p}.{w}" for p in PROJECTIONS + ("out_proj",)
                 for w in ("weight", "bias")]
    block = [f"{m}.{w}" for m in ("linear1", "linear2", "norm1", "norm2")
             for w in ("weight", "bias")]
    assert sorted(module.state_dict()) == sorted(attention + block)
    assert module.linear1.weight.shape == (16, 8) and module.linear2.weight.shape == (8, 16)
    assert module.norm1.eps == 1e-5
    with pytest.raises(ValueError):
        solution_module("transformer_encoder_layer").TransformerEncoderLayer(10, 4, 16)
