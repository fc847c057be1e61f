"""Public tests for scaled_dot_product_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The hidden tests use other shapes, dtypes, masks and random
inputs, and check gradients too.
"""

import torch

from grader.cases import call, public_case
from grader.checks import all_finite
from grader.i18n import t

Q = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # (B=1, Lq=2, Dk=2)
K = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # (B=1, Lk=3, Dk=2)
V = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])  # (B=1, Lk=3, Dv=2)

TESTS = [
    public_case(
        "P1", t("worked example: two queries, three keys", "算例：两个查询，三个键"),
        call("scaled_dot_product_attention", Q, K, V),
        # scores = q kᵀ / √2 = [[0.7071, 0, 0.7071], [0, 0.7071, 0.7071]]
        expected=(
            torch.tensor([[[3.0000, 4.0000], [3.4067, 4.4067]]]),
            torch.tensor([[[0.4011, 0.1978, 0.4011], [0.1978, 0.4011, 0.4011]]]),
        ),
        hint=t("Divide the scores by sqrt(Dk) = sqrt(2) and take the softmax over the keys.",
               "把得分除以 sqrt(Dk) = sqrt(2)，再在键上做 softmax。"),
    ),
    public_case(
        "P2", t("a mask: True means 'may attend'", "掩码：True 表示“可以关注”"),
        call("scaled_dot_product_attention", Q, K, V,
             mask=torch.tensor([[True, False, True], [True, True, False]])),
        expected=(
            torch.tensor([[[3.0000, 4.0000], [2.3395, 3.3395]]]),
            torch.tensor([[[0.5000, 0.0000, 0.5000], [0.3302, 0.6698, 0.0000]]]),
        ),
        hint=t("Blocked weights are exactly 0 and each row still sums to 1.",
               "被屏蔽的权重恰好为 0，每行之和仍为 1。"),
    ),
    public_case(
        "P3", t("no batch dimension: one query, one key", "没有批维度：一个查询，一个键"),
        call("scaled_dot_product_attention", torch.tensor([[2.0, 0.0]]),
             torch.tensor([[1.0, 1.0]]), torch.tensor([[7.0, -1.0, 0.5]])),
        expected=(torch.tensor([[7.0, -1.0, 0.5]]), torch.tensor([[1.0]])),
        hint=t("With a single key its weight is 1 and the output is its value.",
               "只有一个键时，它的权重为 1，输出就是它的值。"),
    ),
    public_case(
        "P4", t("float64 in, float64 out", "输入 float64，输出 float64"),
        call("scaled_dot_product_attention", Q.double(), K.double(), V.double()),
        expected=(
            torch.tensor([[[3.0, 4.0], [3.406673, 4.406673]]], dtype=torch.float64),
            torch.tensor([[[0.401112, 0.197776, 0.401112], [0.197776, 0.401112, 0.401112]]],
                         dtype=torch.float64),
        ),
        places=6,
    ),
    public_case(
        "P5", t("scores of 1e4 stay finite", "得分为 1e4 时仍为有限值"),
        call("scaled_dot_product_attention", torch.tensor([[100.0] * 4]),
             torch.tensor([[100.0] * 4, [-100.0] * 4]), torch.tensor([[1.0], [2.0]])),
        check=all_finite(),
        hint=t("Subtract each row's maximum before exp(), or use torch.softmax.",
               "在 exp() 之前减去每行的最大值，或者直接用 torch.softmax。"),
    ),
    public_case(
        "P6", t("q and k of width 2, v of width 4", "q 和 k 宽 2，v 宽 4"),
        call("scaled_dot_product_attention", Q, K,
             torch.tensor([[[1.0, 0.0, 2.0, 1.0], [0.0, 1.0, -1.0, 0.0], [2.0, 2.0, 0.0, -1.0]]])),
        # the weights of P1, whatever the width of v
        expected=(
            torch.tensor([[[1.2033, 1.0000, 0.6044, 0.0000], [1.0000, 1.2033, -0.0056, -0.2033]]]),
            torch.tensor([[[0.4011, 0.1978, 0.4011], [0.1978, 0.4011, 0.4011]]]),
        ),
        hint=t("The scale is sqrt(Dk), the width of q and k (2 here), not the width of v (4).",
               "缩放因子是 sqrt(Dk)，即 q 和 k 的宽度（这里是 2），不是 v 的宽度（4）。"),
    ),
    public_case(
        "P7", t("scores far below -1e4: a blocked key still gets weight 0",
                "得分远低于 -1e4：被屏蔽的键权重仍为 0"),
        call("scaled_dot_product_attention", torch.tensor([[100.0, 100.0]]),
             torch.tensor([[-100.0, -100.0], [-100.0, -100.0], [0.0, 0.0]]),
             torch.tensor([[1.0], [3.0], [100.0]]), mask=torch.tensor([[True, True, False]])),
        # the allowed scores are -20000 / sqrt(2) = -14142; the blocked key's 0 must not count
        expected=(torch.tensor([[2.0]]), torch.tensor([[0.5, 0.5, 0.0]])),
        hint=t("Fill blocked scores with -inf (or torch.finfo(dtype).min), not a number such as -1e4 "
               "that real scores can be below.",
               "被屏蔽的得分要填 -inf（或 torch.finfo(dtype).min），不要填 -1e4 这样真实得分可能低于它的数。"),
    ),
]

# The statement's worked example; reports and the site draw its attention weights.
EXAMPLE = TESTS[1].make(None)


def example_figure(value):
    """(output, weights) -> the (Lq, Lk) weights of the first batch element."""
    return value[1][0]
