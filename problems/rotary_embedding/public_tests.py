"""Public tests for rotary_embedding (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The hidden tests use random vectors with other shapes and
positions (offsets, gaps, repeats, positions up to 50,000 in float64), check the
invariants of a rotation, and compare gradients too.
"""

import torch

from grader.cases import call, public_case
from grader.checks import raises
from grader.i18n import t

SYMBOL = "apply_rotary_embedding"

# (L=3, D=4): pair 0 turns 1 radian per position, pair 1 turns 10000^(-2/4) = 0.01
X = torch.tensor([[1.0, 0.0, 1.0, 0.0],
                  [1.0, 0.0, 1.0, 0.0],
                  [1.0, 2.0, 0.0, 1.0]])
# (B=1, L=2, D=4): two tokens that continue a sequence at positions 5 and 6
X_BATCH = torch.tensor([[[0.5, -1.0, 2.0, 1.0],
                         [1.0, 1.0, -1.0, 0.5]]])

TESTS = [
    public_case(
        "P1", t("worked example: positions 0, 1, 2 with D = 4",
                "算例：位置 0、1、2，D = 4"),
        call(SYMBOL, X, torch.tensor([0, 1, 2])),
        # row 1: (1, 0) turned by 1 rad and by 0.01 rad; row 2: (1, 2) by 2 rad, (0, 1) by 0.02 rad
        expected=torch.tensor([[1.0000, 0.0000, 1.0000, 0.0000],
                               [0.5403, 0.8415, 0.99995, 0.0100],
                               [-2.2347, 0.0770, -0.0200, 0.9998]]),
        hint=t("Position 0 leaves a vector unchanged; (a, b) turned by α is "
               "(a cos α − b sin α, a sin α + b cos α).",
               "位置 0 不改变向量；(a, b) 旋转 α 后是 (a cos α − b sin α, a sin α + b cos α)。"),
    ),
    public_case(
        "P2", t("a batch dimension and positions that continue at 5, 6",
                "一个批维度，位置从 5、6 继续"),
        call(SYMBOL, X_BATCH, torch.tensor([5, 6])),
        expected=torch.tensor([[[-0.8171, -0.7631, 1.9475, 1.0987],
                                [1.2396, 0.6808, -1.0282, 0.4391]]]),
        hint=t("Rotate token t by positions[t], not by its index t: these tokens are at "
               "positions 5 and 6.",
               "按 positions[t] 旋转第 t 个词元，而不是按它的下标 t：这两个词元位于位置 5 和 6。"),
    ),
    public_case(
        "P3", t("D = 6, base = 100, positions 3 and 10",
                "D = 6，base = 100，位置 3 和 10"),
        call(SYMBOL, torch.tensor([[1.0, 0.0, 0.0, 1.0, 2.0, -1.0],
                                   [0.5, 0.5, 1.0, 0.0, 0.0, 1.0]]),
             torch.tensor([3, 10]), base=100.0),
        # theta = 100^(-0/6), 100^(-2/6), 100^(-4/6) = 1, 0.215443, 0.046416
        expected=torch.tensor([[-0.9900, 0.1411, -0.6023, 0.7983, 2.1194, -0.7127],
                               [-0.1475, -0.6915, -0.5511, 0.8345, -0.4477, 0.8942]]),
        hint=t("Three pairs: (0, 1), (2, 3), (4, 5), with theta_i = base^(-2i/D).",
               "三对特征：(0, 1)、(2, 3)、(4, 5)，theta_i = base^(-2i/D)。"),
    ),
    public_case(
        "P4", t("float64 at position 1000", "float64，位置 1000"),
        call(SYMBOL, torch.tensor([[1.0, 2.0, -0.5, 1.5]], dtype=torch.float64),
             torch.tensor([1000])),
        expected=torch.tensor([[-1.091380, 1.951638, 1.235567, -0.986597]], dtype=torch.float64),
        places=6,
        hint=t("Compute the angle 1000 · theta_i without dropping to float32.",
               "计算角度 1000 · theta_i 时不要降成 float32。"),
    ),
    public_case(
        "P5", t("odd D raises ValueError", "D 为奇数时抛出 ValueError"),
        call(SYMBOL, torch.ones(2, 5), torch.tensor([0, 1])),
        check=raises("ValueError", why=t("D = 5 cannot be split into pairs",
                                         "D = 5 无法分成成对的特征")),
        hint=t("Check D % 2 before rotating anything.", "在旋转之前先检查 D % 2。"),
    ),
]

# The statement's worked example; reports draw the rotated vectors.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """The (L, D) rotated vectors themselves."""
    return value
