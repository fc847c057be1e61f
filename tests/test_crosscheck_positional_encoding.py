"""The positional-encoding reference agrees with an independent computation.

The independent table is built entry by entry with Python's math module in
double precision, straight from the formula of the paper.
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.references import solution_module


@pytest.fixture(scope="module")
def pe():
    return solution_module("positional_encoding").sinusoidal_positional_encoding


def _by_hand(seq_len, d_model, base):
    rows = []
    for p in range(seq_len):
        row = []
        for i in range(d_model // 2):
            angle = p / base ** (2 * i / d_model)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64).reshape(seq_len, d_model)


@pytest.mark.parametrize("seq_len,d_model,base", [
    (1, 2, 10000.0), (7, 6, 10000.0), (50, 16, 100.0), (300, 24, 10.0), (1000, 8, 10000.0),
])
def test_matches_the_formula_entry_by_entry(pe, seq_len, d_model, base):
    ours = pe(seq_len, d_model, base=base, dtype=torch.float64)
    assert ours.dtype == torch.float64 and ours.shape == (seq_len, d_model)
    torch.testing.assert_close(ours, _by_hand(seq_len, d_model, base), rtol=1e-12, atol=1e-12)


def test_known_values(pe):
    table = pe(5, 8, dtype=torch.float64)
    assert table[0].tolist() == [0.0, 1.0] * 4  # position 0: sin 0, cos 0
    p = torch.arange(5, dtype=torch.float64)
    torch.testing.assert_close(table[:, 0], torch.sin(p))  # the first pair turns 1 rad per position
    torch.testing.assert_close(table[:, 1], torch.cos(p))
    small = pe(2, 4, dtype=torch.float64)
    assert small[1, 2].item() == pytest.approx(math.sin(0.01), abs=1e-15)  # 10000^(-2/4) = 0.01
    assert small[1, 3].item() == pytest.approx(math.cos(0.01), abs=1e-15)


def test_pairs_are_points_on_the_unit_circle_that_rotate(pe):
    d_model, k = 16, 5
    table = pe(40, d_model, dtype=torch.float64)
    sin, cos = table[:, 0::2], table[:, 1::2]
    torch.testing.assert_close(sin**2 + cos**2, torch.ones_like(sin))
    # PE[p + k] is PE[p] rotated by k * frequency in every pair, whatever p.
    frequency = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    c, s = torch.cos(k * frequency), torch.sin(k * frequency)
    torch.testing.assert_close(sin[k:], sin[:-k] * c + cos[:-k] * s)
    torch.testing.assert_close(cos[k:], cos[:-k] * c - sin[:-k] * s)


def test_float32_is_the_float64_table_rounded(pe):
    single = pe(128, 64)
    assert single.dtype == torch.float32
    assert torch.equal(single, pe(128, 64, dtype=torch.float64).float())


def _float32_formula(seq_len, d_model, base=10000.0):
    # The usual single-precision way of writing it.
    position = torch.arange(seq_len, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(base) / d_model))
    table = torch.zeros(seq_len, d_model)
    table[:, 0::2] = torch.sin(position * div)
    table[:, 1::2] = torch.cos(position * div)
    return table


def test_float32_formula_is_within_tolerance_up_to_128_positions(pe):
    # Why float32 tables are compared only up to seq_len = 128 (problems.md).
    close = dict(rtol=1e-4, atol=1e-5)
    assert torch.allclose(_float32_formula(128, 64), pe(128, 64), **close)
    assert not torch.allclose(_float32_formula(2048, 64), pe(2048, 64), **close)


@pytest.mark.parametrize("d_model", [1, 3, 7])
def test_odd_width_is_refused(pe, d_model):
    with pytest.raises(ValueError):
        pe(4, d_model)
