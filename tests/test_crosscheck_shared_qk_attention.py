"""The shared-QK reference agrees with PyTorch's own attention kernel.

``torch.nn.functional.scaled_dot_product_attention`` is given q = k = x @ w_qk,
v = x @ w_v and an explicit boolean mask that implements exclude_self with its
fallback, built here row by row, independently of the reference's vectorised
code. Values and the gradients of x, w_qk and w_v must agree.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torch.nn.functional as F

from grader import registry
from grader.references import solution_module

shared_qk_attention = solution_module("shared_qk_attention").shared_qk_attention


def _explicit_mask(mask, batch: int, length: int, exclude_self: bool) -> torch.Tensor:
    """(B, L, L) allowed keys, one row at a time, exactly as the rule is stated."""
    given = torch.ones(batch, length, length, dtype=torch.bool) if mask is None else mask
    given = given.expand(batch, length, length)
    allowed = torch.zeros(batch, length, length, dtype=torch.bool)
    for b in range(batch):
        for i in range(length):
            row = given[b, i].clone()
            if exclude_self:
                others = row.clone()
                others[i] = False
                if others.any():
                    row = others
                else:  # no other key is allowed: the query attends to itself only
                    row = torch.zeros(length, dtype=torch.bool)
                    row[i] = True
            allowed[b, i] = row
    return allowed


def _torch_attention(x, w_qk, w_v, mask, exclude_self):
    qk = x @ w_qk
    allowed = _explicit_mask(mask, x.shape[0], x.shape[1], exclude_self)
    return F.scaled_dot_product_attention(qk, qk, x @ w_v, attn_mask=allowed)


def _mask(kind: str, generator, batch: int, length: int):
    if kind == "none":
        return None
    shape = {"LL": (length, length), "BLL": (batch, length, length),
             "B1L": (batch, 1, length)}[kind]
    mask = torch.rand(*shape, generator=generator) < 0.4
    first = torch.randint(0, shape[-1], shape[:-1], generator=generator)
    mask.scatter_(-1, first.unsqueeze(-1), True)  # every query keeps at least one key
    if kind == "BLL":
        mask[:, 0] = False
        mask[:, 0, 0] = True  # row 0 may attend to itself only: the fallback
    if kind == "LL":  # lower-triangular with the diagonal: row 0 has only itself
        mask = (mask & torch.ones(length, length, dtype=torch.bool).tril()) | torch.eye(
            length, dtype=torch.bool)
    return mask


def _inputs(seed: int, batch: int, length: int, d: int, d_k: int, d_v: int, dtype):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, length, d, generator=generator, dtype=torch.float64)
    w_qk = torch.randn(d, d_k, generator=generator, dtype=torch.float64) / d ** 0.5
    w_v = torch.randn(d, d_v, generator=generator, dtype=torch.float64) / d ** 0.5
    return x.to(dtype), w_qk.to(dtype), w_v.to(dtype), generator


CASES = [
    # seed, B, L, D, Dk, Dv, mask kind
    (0, 2, 5, 6, 4, 3, "none"),
    (1, 3, 6, 4, 4, 2, "LL"),
    (2, 2, 4, 5, 3, 5, "BLL"),
    (3, 3, 5, 3, 2, 4, "B1L"),
    (4, 1, 1, 4, 4, 2, "none"),
    (5, 2, 7, 8, 8, 8, "BLL"),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("exclude_self", [False, True], ids=["keep-self", "exclude-self"])
@pytest.mark.parametrize("seed,batch,length,d,d_k,d_v,kind", CASES)
def test_values_and_gradients_match_torch(seed, batch, length, d, d_k, d_v, kind, exclude_self,
                                          dtype):
    x, w_qk, w_v, generator = _inputs(seed, batch, length, d, d_k, d_v, dtype)
    mask = _mask(kind, generator, batch, length)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-10}

    leaves = [t.clone().requires_grad_(True) for t in (x, w_qk, w_v)]
    theirs_leaves = [t.clone().requires_grad_(True) for t in (x, w_qk, w_v)]
    ours = shared_qk_attention(*leaves, mask=mask, exclude_self=exclude_self)
    theirs = _torch_attention(*theirs_leaves, mask, exclude_self)
    assert ours.dtype == dtype and ours.shape == (batch, length, d_v)
    torch.testing.assert_close(ours, theirs, **tol)

    cotangent = torch.randn(ours.shape, generator=generator, dtype=torch.float64).to(dtype)
    grads = torch.autograd.grad(ours, leaves, cotangent)
    expected = torch.autograd.grad(theirs, theirs_leaves, cotangent)
    for name, got, want in zip(("x", "w_qk", "w_v"), grads, expected):
        scale = max(1.0, float(want.abs().max()))
        torch.testing.assert_close(got, want, rtol=tol["rtol"], atol=tol["atol"] * scale, msg=name)


def test_causal_first_token_falls_back_to_itself():
    x, w_qk, w_v, _ = _inputs(9, 2, 5, 4, 4, 3, torch.float64)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    out = shared_qk_attention(x, w_qk, w_v, mask=causal, exclude_self=True)
    torch.testing.assert_close(out[:, 0], (x @ w_v)[:, 0])  # token 0's only key is itself
    torch.testing.assert_close(out[:, 1], (x @ w_v)[:, 0])  # token 1 may only see token 0
    torch.testing.assert_close(out, _torch_attention(x, w_qk, w_v, causal, True))


def test_example_figure_is_the_weight_matrix():
    """The worked example's output (one-hot tokens, w_v = I) is its attention weight matrix."""
    path = registry.get("shared_qk_attention").public_tests_path
    spec = importlib.util.spec_from_file_location("shared_qk_public_tests", path)
    public = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(public)
    example = public.EXAMPLE
    x, w_qk, w_v = example.args
    mask, exclude_self = example.kwargs["mask"], example.kwargs["exclude_self"]
    qk = x @ w_qk
    allowed = _explicit_mask(mask, 1, x.shape[1], exclude_self)
    scores = (qk @ qk.transpose(-2, -1) / qk.shape[-1] ** 0.5).masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)[0]
    output = shared_qk_attention(*example.args, **example.kwargs)
    torch.testing.assert_close(public.example_figure(output), weights)
