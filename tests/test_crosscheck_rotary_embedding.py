"""The rotary-embedding reference agrees with an independent computation.

The independent result rotates one feature pair at a time with Python's math
module in double precision, straight from the formula of the RoFormer paper.
The invariants of a rotation are checked on the reference too, and the float32
limits that problems.md states are measured here.
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.references import solution_module

TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-9, atol=1e-10)}


@pytest.fixture(scope="module")
def rope():
    return solution_module("rotary_embedding").apply_rotary_embedding


def _by_hand(x, positions, base):
    """Rotate pair (2i, 2i+1) of token t by positions[t] · base^(-2i/D), one pair at a time."""
    *batch, L, D = x.shape
    rows = x.double().reshape(-1, L, D).tolist()
    for vectors in rows:
        for t in range(L):
            for i in range(D // 2):
                angle = int(positions[t]) * base ** (-2 * i / D)
                a, b = vectors[t][2 * i], vectors[t][2 * i + 1]
                vectors[t][2 * i] = a * math.cos(angle) - b * math.sin(angle)
                vectors[t][2 * i + 1] = a * math.sin(angle) + b * math.cos(angle)
    return torch.tensor(rows, dtype=torch.float64).reshape(*batch, L, D)


CONFIGS = [
    # batch dims, positions, D, base
    ((), [0, 1, 2, 3], 2, 10000.0),
    ((3,), [0, 1, 2, 3, 4], 8, 10000.0),
    ((2, 3), [37, 38, 39], 16, 10000.0),
    ((2,), [5, 0, 5, 31, 12, 7], 6, 100.0),
    ((1, 2), [49_000, 50_000, 17, 4096], 64, 10000.0),
    ((2,), [1, 1000, 8191], 128, 500000.0),
]


@pytest.mark.parametrize("batch,positions,D,base", CONFIGS,
                         ids=[f"D{c[2]}-{len(c[0])}batch-{c[1][0]}" for c in CONFIGS])
def test_matches_the_pairwise_loop(rope, batch, positions, D, base):
    gen = torch.Generator().manual_seed(D + len(positions))
    x = torch.randn(*batch, len(positions), D, generator=gen, dtype=torch.float64)
    positions = torch.tensor(positions)
    ours = rope(x, positions, base=base)
    assert ours.shape == x.shape and ours.dtype == torch.float64
    torch.testing.assert_close(ours, _by_hand(x, positions, base), rtol=1e-12, atol=1e-12)


def test_float32_is_the_float64_result_rounded(rope):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 8, generator=gen)
    positions = torch.tensor([0, 3, 9, 17, 25, 31])
    ours = rope(x, positions)
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours, rope(x.double(), positions).float(), rtol=1e-6, atol=1e-7)


def test_position_zero_is_the_identity(rope):
    x = torch.randn(3, 4, 10, dtype=torch.float64)
    assert torch.equal(rope(x, torch.zeros(4, dtype=torch.int64)), x)


def test_inputs_are_left_unchanged_and_gradients_flow(rope):
    x = torch.randn(2, 5, 8, dtype=torch.float64, requires_grad=True)
    positions = torch.tensor([4, 0, 7, 7, 2])
    before = (x.detach().clone(), positions.clone())
    out = rope(x, positions)
    assert torch.equal(x.detach(), before[0]) and torch.equal(positions, before[1])
    assert torch.autograd.gradcheck(lambda v: rope(v, positions), (x,))
    # A rotation is orthogonal: the gradient is the cotangent rotated back.
    cotangent = torch.randn_like(out)
    (grad,) = torch.autograd.grad(out, x, cotangent)
    torch.testing.assert_close(grad, _by_hand(cotangent.detach(), -positions, 10000.0))


def test_every_pair_keeps_its_norm(rope):
    x = torch.randn(3, 7, 12, dtype=torch.float64)
    out = rope(x, torch.tensor([0, 1, 5, 40, 300, 7000, 50_000]))
    torch.testing.assert_close(out.unflatten(-1, (6, 2)).norm(dim=-1),
                               x.unflatten(-1, (6, 2)).norm(dim=-1))


def test_dot_products_depend_only_on_the_offset(rope):
    gen = torch.Generator().manual_seed(3)
    q = torch.randn(1, 16, generator=gen, dtype=torch.float64)
    k = torch.randn(1, 16, generator=gen, dtype=torch.float64)
    by_offset = {}
    for offset in (0, 1, 7, 300):
        scores = [float(rope(q, torch.tensor([n + offset]))[0] @ rope(k, torch.tensor([n]))[0])
                  for n in (0, 13, 500, 40_000)]
        assert max(scores) - min(scores) < 1e-9, (offset, scores)
        by_offset[offset] = scores[0]
    assert by_offset[0] == pytest.approx(float(q[0] @ k[0]))  # same position: no rotation left
    assert len({round(s, 6) for s in by_offset.values()}) == 4  # the offset does matter


def test_half_split_layout_is_a_permutation_of_ours(rope):
    """rotate_half (pairs (i, i + D/2)) is ours on features permuted to interleave the halves."""
    D = 8
    x = torch.randn(2, 5, D, dtype=torch.float64)
    positions = torch.tensor([3, 1, 4, 1, 5])
    interleave = torch.arange(D).view(2, D // 2).t().flatten()  # 0, 4, 1, 5, 2, 6, 3, 7
    theta = 10000.0 ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    angle = torch.cat([theta, theta]) * positions.double().unsqueeze(-1)
    x1, x2 = x[..., : D // 2], x[..., D // 2:]
    rotate_half = x * angle.cos() + torch.cat([-x2, x1], dim=-1) * angle.sin()
    torch.testing.assert_close(rope(x[..., interleave], positions), rotate_half[..., interleave])
    assert not torch.allclose(rope(x, positions), rotate_half)


def _float32_formula(x, positions, base=10000.0):
    # The usual single-precision way of writing it.
    D = x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, D, 2).float() / D))
    freqs = torch.outer(positions.float(), inv_freq)
    first, second = x[..., 0::2], x[..., 1::2]
    cos, sin = freqs.cos(), freqs.sin()
    turned = (first * cos - second * sin, first * sin + second * cos)
    return torch.stack(turned, dim=-1).flatten(-2)


def test_float32_formula_is_within_tolerance_below_position_32_only(rope):
    # Why float32 is compared only for positions below 32 (problems.md).
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(256, 64, 128, generator=gen)
    near, far = torch.arange(0, 32).repeat(2), torch.arange(64, 128)
    assert torch.allclose(_float32_formula(x, near), rope(x, near), **TOLERANCES[torch.float32])
    assert not torch.allclose(_float32_formula(x, far), rope(x, far), **TOLERANCES[torch.float32])


@pytest.mark.parametrize("D", [1, 3, 9])
def test_odd_width_is_refused(rope, D):
    with pytest.raises(ValueError):
        rope(torch.ones(2, D), torch.tensor([0, 1]))
