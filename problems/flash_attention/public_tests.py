"""Public tests for flash_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The values are the identity matrix, so each row of `output` is
that query's attention weights. The hidden tests use random inputs, other
block sizes, Lq != Lk, causal masks, gradients, scores up to 1e4, and two
memory tests at Lq = Lk = 8192 with a bound of 64 MiB beyond the inputs.
"""

import torch

from grader.cases import call, public_case
from grader.checks import raises
from grader.i18n import t

# Worked example: two queries, six keys, D = 4 (so the scale is 1/2), Dv = 6.
# Only the first two features of q are non-zero: the scaled scores of query 0
# are the first column of K, those of query 1 the second column.
Q = torch.tensor([[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]])  # (Lq=2, D=4)
K = torch.tensor([[0.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [3.0, 1.0, 0.0, 0.0],
                  [2.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [4.0, 1.0, 0.0, 0.0]])  # (Lk=6, D=4)
V = torch.eye(6)  # (Lk=6, Dv=6): output row i = the weights of query i

TESTS = [
    public_case(
        "P1", t("worked example: three blocks of two keys", "算例：三个块，每块两个键"),
        call("flash_attention", Q, K, V, block_size=2),
        # scaled scores: query 0 (0, 1 | 3, 2 | 1, 4), query 1 (2, 0 | 1, 1 | 0, 1)
        expected=(
            torch.tensor([[0.0113, 0.0307, 0.2269, 0.0835, 0.0307, 0.6169],
                          [0.4212, 0.0570, 0.1549, 0.1549, 0.0570, 0.1549]]),
            torch.tensor([4.4831, 2.8647]),
        ),
        hint=t("When a block raises a query's maximum, rescale the running denominator and the "
               "running output by exp(m_old - m_new); lse = m + log(l).",
               "当某个块提高了查询的最大值时，用 exp(m_old - m_new) 重新缩放运行分母和运行输出；"
               "lse = m + log(l)。"),
    ),
    public_case(
        "P2", t("causal: the last two blocks are hidden from both queries",
                "因果：最后两个块对两个查询都不可见"),
        call("flash_attention", Q, K, V, causal=True, block_size=2),
        # query 0 sees key 0 only; query 1 sees keys 0 and 1 (scores 2 and 0)
        expected=(
            torch.tensor([[1.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000],
                          [0.8808, 0.1192, 0.0000, 0.0000, 0.0000, 0.0000]]),
            torch.tensor([0.0000, 2.1269]),
        ),
        hint=t("Query i sees key j when j <= i. A block a query cannot see adds nothing: its "
               "scores are -inf, and exp() must subtract the running maximum, which is finite.",
               "查询 i 能看到键 j 当且仅当 j <= i。查询看不到的块不贡献任何东西：这些得分为 -inf，"
               "exp() 中要减去的是有限的运行最大值。"),
    ),
    public_case(
        "P3", t("float64, and a block size that does not divide Lk",
                "float64，且块大小不能整除 Lk"),
        call("flash_attention", Q.double(), K.double(), V.double(), block_size=4),
        expected=(
            torch.tensor([[0.011298, 0.030712, 0.226931, 0.083483, 0.030712, 0.616863],
                          [0.421175, 0.057000, 0.154942, 0.154942, 0.057000, 0.154942]],
                         dtype=torch.float64),
            torch.tensor([4.483108, 2.864706], dtype=torch.float64),
        ),
        places=6,
        hint=t("The last block holds the remaining two keys.", "最后一个块装剩下的两个键。"),
    ),
    public_case(
        "P4", t("scores of ±1e4 stay finite", "±1e4 的得分仍为有限值"),
        call("flash_attention", torch.tensor([[100.0] * 4]),
             torch.tensor([[-50.0] * 4, [50.0] * 4]), torch.tensor([[1.0], [2.0]]), block_size=1),
        # scaled scores -1e4 then +1e4: the maximum jumps by 2e4 in the second block
        expected=(torch.tensor([[2.0]]), torch.tensor([10000.0])),
        hint=t("Exponentiate scores minus the running maximum; exp(m_old - m_new) may underflow "
               "to 0, which is right.",
               "对“得分减去运行最大值”取指数；exp(m_old - m_new) 可能下溢为 0，这是正确的。"),
    ),
    public_case(
        "P5", t("block_size = 0 raises ValueError", "block_size = 0 时抛出 ValueError"),
        call("flash_attention", Q, K, V, block_size=0),
        check=raises("ValueError", why=t("block_size must be at least 1", "block_size 至少为 1")),
        hint=t("Check block_size before the loop.", "在循环之前检查 block_size。"),
    ),
]

# The statement's worked example; with V = I its output rows are the attention weights.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(output, lse) -> the (Lq, Lk) attention weights (the output, since V is the identity)."""
    return value[0]
