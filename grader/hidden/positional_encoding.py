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
from grader.i18n import t

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


def _one_pair_long_float64(rng):
    # Pair 0 alone: the angle is the position itself, up to 4095 radians.
    return call(SYMBOL, 4096, 2, dtype=F64)


def _odd(rng):
    return call(SYMBOL, 10, 2 * _between(rng, 2, 8) + 1)


def _one(rng):
    return call(SYMBOL, 4, 1, dtype=F64)


_ODD = t("d_model must be even: the columns are sin/cos pairs", "d_model 必须是偶数：各列是成对的 sin/cos")

CASES = [
    Case("7.1", t("a small table (float32)", "一张小表（float32）"), 1.0, _small, tags=("values",),
         hint=t("PE[p, 2i] = sin(p / base^(2i/d_model)) and PE[p, 2i+1] = cos(…) of the same angle.",
                "PE[p, 2i] = sin(p / base^(2i/d_model))，PE[p, 2i+1] = 同一个角度的 cos(…)。")),
    Case("7.2", t("d_model = 6", "d_model = 6 的表"), 1.0, _six, tags=("values", "layout"),
         hint=t("Sines and cosines alternate column by column: sin, cos, sin, cos, …",
                "正弦和余弦逐列交替：sin、cos、sin、cos……")),
    Case("7.3", t("position 0 alone", "只有位置 0"), 0.5, _first_position, tags=("values",),
         hint=t("Positions count from 0, so the first row is [0, 1, 0, 1, …].",
                "位置从 0 开始，所以第一行是 [0, 1, 0, 1, …]。")),
    Case("7.4", t("d_model = 2: a single sin/cos pair", "d_model = 2：只有一对 sin/cos"), 0.5, _one_pair,
         tags=("values",)),
    Case("7.5", t("the longest float32 table (128 × 64)", "最长的 float32 表（128 × 64）"), 1.0,
         _longest_float32, tags=("values", "precision"),
         hint=t("Compute the angle as p times the frequency; the last pair turns very slowly.",
                "角度按 p 乘以频率来算；最后一对转得非常慢。")),
    Case("7.6", t("dtype=torch.float64 is honoured", "遵守 dtype=torch.float64"), 1.0, _float64,
         tags=("dtype",),
         hint=t("Return the table in the dtype that is asked for.", "按要求的 dtype 返回这张表。")),
    Case("7.7", t("a long table in float64 (2048 positions)", "float64 的长表（2048 个位置）"), 1.0,
         _long_float64, tags=("values", "precision", "dtype"),
         hint=t("Build the angles in the requested dtype (or in float64), not in float32.",
                "用要求的 dtype（或 float64）计算角度，不要用 float32。")),
    Case("7.8", t("base = 100", "底数 base = 100"), 1.0, _base_100, tags=("values", "base"),
         hint=t("Use the base argument in place of 10000 everywhere.",
                "所有用到 10000 的地方都换成参数 base。")),
    Case("7.9", t("base = 10 in float64", "float64 下 base = 10"), 1.0, _base_10_float64,
         tags=("base", "dtype")),
    Case("7.10", t("d_model = 512 in float64", "float64 下 d_model = 512"), 0.5, _wide,
         tags=("values", "dtype")),
    Case("7.11", t("base = 1000, wide float32 table", "base = 1000，较宽的 float32 表"), 0.5,
         _wide_float32, tags=("values", "base")),
    Case("7.12", t("odd d_model raises ValueError", "d_model 为奇数时抛出 ValueError"), 1.0, _odd,
         check=raises("ValueError", why=_ODD), tags=("errors",),
         hint=t("Check d_model % 2 before building the table and raise ValueError.",
                "在构造表之前检查 d_model % 2，并抛出 ValueError。")),
    Case("7.13", t("d_model = 1 raises ValueError", "d_model = 1 时抛出 ValueError"), 0.5, _one,
         check=raises("ValueError", why=_ODD), tags=("errors",)),
    Case("7.14", t("a single pair over 4096 positions (float64)", "一对 sin/cos，4096 个位置（float64）"),
         0.5, _one_pair_long_float64, tags=("values", "precision", "dtype"),
         hint=t("Pair 0's angle is the position itself, p radians: compute its sine and cosine in "
                "float64 when float64 is asked for.",
                "第 0 对的角度就是位置本身，即 p 弧度：要求 float64 时，就用 float64 计算它的正弦和余弦。")),
]
