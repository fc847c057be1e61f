"""Hidden cases for positional_encoding (problem 7).

float32 tables are compared only up to seq_len = 128: computing p · frequency in
float32 is a common, acceptable formula whose error grows with the position and
passes the float32 tolerance up to there. Longer tables are asked for in float64.
Sizes are drawn from the seeded generator so that another seed asks for other
tables.
"""

import torch

from grader.cases import Case, call
from grader.checks import raises

F32, F64 = torch.float32, torch.float64
SYMBOL = "sinusoidal_positional_encoding"


def _between(rng, low, high):
    """An int in [low, high] drawn from the case's generator."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def _small(rng):
    return call(SYMBOL, _between(rng, 8, 20), 8)


def _six(rng):
    # d_model / 2 is odd: the halves layout and the interleaved one differ everywhere.
    return call(SYMBOL, _between(rng, 10, 30), 6)


def _first_position(rng):
    # Position 0 only: [sin 0, cos 0, …] = [0, 1, 0, 1, …].
    return call(SYMBOL, 1, 2 * _between(rng, 4, 12))


def _one_pair(rng):
    return call(SYMBOL, _between(rng, 20, 40), 2)


def _longest_float32(rng):
    return call(SYMBOL, 128, 64)


def _float64(rng):
    return call(SYMBOL, _between(rng, 30, 60), 32, dtype=F64)


def _long_float64(rng):
    return call(SYMBOL, 2048, 2 * _between(rng, 32, 64), dtype=F64)


def _base_100(rng):
    return call(SYMBOL, _between(rng, 30, 60), 16, base=100.0)


def _base_10_float64(rng):
    return call(SYMBOL, _between(rng, 500, 1000), 24, base=10.0, dtype=F64)


def _wide(rng):
    return call(SYMBOL, _between(rng, 40, 80), 512, dtype=F64)


def _wide_float32(rng):
    return call(SYMBOL, _between(rng, 100, 128), 2 * _between(rng, 48, 96), base=1000.0)


def _odd(rng):
    return call(SYMBOL, 10, 2 * _between(rng, 2, 8) + 1)


def _one(rng):
    return call(SYMBOL, 4, 1, dtype=F64)


_ODD = "d_model must be even: the columns are sin/cos pairs"

CASES = [
    Case("7.1", "a small table (float32)", 1.0, _small, tags=("values",),
         hint="PE[p, 2i] = sin(p / base^(2i/d_model)) and PE[p, 2i+1] = cos(…) of the same angle."),
    Case("7.2", "d_model = 6", 1.0, _six, tags=("values", "layout"),
         hint="Sines and cosines alternate column by column: sin, cos, sin, cos, …"),
    Case("7.3", "position 0 alone", 0.5, _first_position, tags=("values",),
         hint="Positions count from 0, so the first row is [0, 1, 0, 1, …]."),
    Case("7.4", "d_model = 2: a single sin/cos pair", 0.5, _one_pair, tags=("values",)),
    Case("7.5", "the longest float32 table (128 × 64)", 1.0, _longest_float32,
         tags=("values", "precision"),
         hint="Compute the angle as p times the frequency; the last pair turns very slowly."),
    Case("7.6", "dtype=torch.float64 is honoured", 1.0, _float64, tags=("dtype",),
         hint="Return the table in the dtype that is asked for."),
    Case("7.7", "a long table in float64 (2048 positions)", 1.0, _long_float64,
         tags=("values", "precision", "dtype"),
         hint="Build the angles in the requested dtype (or in float64), not in float32."),
    Case("7.8", "base = 100", 1.0, _base_100, tags=("values", "base"),
         hint="Use the base argument in place of 10000 everywhere."),
    Case("7.9", "base = 10 in float64", 1.0, _base_10_float64, tags=("base", "dtype")),
    Case("7.10", "d_model = 512 in float64", 0.5, _wide, tags=("values", "dtype")),
    Case("7.11", "base = 1000, wide float32 table", 0.5, _wide_float32, tags=("values", "base")),
    Case("7.12", "odd d_model raises ValueError", 1.0, _odd, check=raises("ValueError", why=_ODD),
         tags=("errors",),
         hint="Check d_model % 2 before building the table and raise ValueError."),
    Case("7.13", "d_model = 1 raises ValueError", 0.5, _one, check=raises("ValueError", why=_ODD),
         tags=("errors",)),
]
