"""Public tests for positional_encoding (run by `attn-judge check`).

Each test shows its arguments and the expected table, so you can reproduce it
in a Python shell. The hidden tests ask for other sizes, long tables in float64,
other bases, and check the ValueError for odd widths.
"""

import torch

from grader.cases import call, public_case
from grader.checks import raises
from grader.i18n import t

TESTS = [
    public_case(
        "P1", t("worked example: 4 positions, d_model = 4", "算例：4 个位置，d_model = 4"),
        call("sinusoidal_positional_encoding", 4, 4),
        # pair 0 turns at 1 rad per position, pair 1 at 10000^(-2/4) = 0.01
        expected=torch.tensor([[0.0000, 1.0000, 0.0000, 1.0000],
                               [0.8415, 0.5403, 0.0100, 0.99995],
                               [0.9093, -0.4161, 0.0200, 0.9998],
                               [0.1411, -0.9900, 0.0300, 0.9996]]),
        hint=t("Row p is [sin(p), cos(p), sin(p/100), cos(p/100)]; positions start at 0.",
               "第 p 行是 [sin(p), cos(p), sin(p/100), cos(p/100)]；位置从 0 开始。"),
    ),
    public_case(
        "P2", t("d_model = 6: three sin/cos pairs", "d_model = 6：三对 sin/cos"),
        call("sinusoidal_positional_encoding", 3, 6),
        # frequencies 10000^(-0/6), 10000^(-2/6), 10000^(-4/6) = 1, 0.046416, 0.0021544
        expected=torch.tensor([[0.0000, 1.0000, 0.0000, 1.0000, 0.0000, 1.0000],
                               [0.8415, 0.5403, 0.0464, 0.9989, 0.0022, 1.0000],
                               [0.9093, -0.4161, 0.0927, 0.9957, 0.0043, 1.0000]]),
        hint=t("Column 2i is a sine and column 2i+1 the cosine of the same angle.",
               "第 2i 列是正弦，第 2i+1 列是同一个角度的余弦。"),
    ),
    public_case(
        "P3", t("base = 100", "底数 base = 100"),
        call("sinusoidal_positional_encoding", 3, 4, base=100.0),
        # frequencies 1 and 100^(-2/4) = 0.1
        expected=torch.tensor([[0.0000, 1.0000, 0.0000, 1.0000],
                               [0.8415, 0.5403, 0.0998, 0.9950],
                               [0.9093, -0.4161, 0.1987, 0.9801]]),
        hint=t("Use the base argument in place of 10000.", "用参数 base 代替 10000。"),
    ),
    public_case(
        "P4", t("dtype=torch.float64 is honoured", "遵守 dtype=torch.float64"),
        call("sinusoidal_positional_encoding", 3, 4, dtype=torch.float64),
        expected=torch.tensor([[0.0, 1.0, 0.0, 1.0],
                               [0.841471, 0.540302, 0.010000, 0.999950],
                               [0.909297, -0.416147, 0.019999, 0.999800]], dtype=torch.float64),
        places=6,
        hint=t("Return the table in the dtype that is asked for.", "按要求的 dtype 返回这张表。"),
    ),
    public_case(
        "P5", t("odd d_model raises ValueError", "d_model 为奇数时抛出 ValueError"),
        call("sinusoidal_positional_encoding", 4, 5),
        check=raises("ValueError", why=t("d_model must be even: the columns are sin/cos pairs",
                                         "d_model 必须是偶数：各列是成对的 sin/cos")),
        hint=t("Check d_model % 2 first and raise ValueError.", "先检查 d_model % 2，并抛出 ValueError。"),
    ),
]

# The statement's worked example; reports and the site draw its table.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """The (seq_len, d_model) table itself."""
    return value
