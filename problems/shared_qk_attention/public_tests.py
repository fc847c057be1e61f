"""Public tests for shared_qk_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The hidden tests use other shapes, dtypes, masks and random
inputs, and check gradients too.

P1-P3 use one-hot tokens (x is the identity), so each token's query and key is
its row of w_qk, and w_v is the identity, so the output *is* the attention
weight matrix: row i holds the weights of query i over the keys.
"""

import torch

from grader.cases import call, public_case
from grader.checks import all_finite
from grader.i18n import t

X = torch.eye(4).unsqueeze(0)  # (B=1, L=4, D=4): token i is the i-th unit vector
W_QK = torch.tensor([[1.0, 1.0, 0.0, 0.0],
                     [0.0, 1.0, -1.0, 0.0],
                     [1.0, 0.0, 1.0, 1.0],
                     [0.0, -1.0, 0.0, 1.0]])  # (D=4, Dk=4)
W_V = torch.eye(4)  # (D=4, Dv=4): V = x, so output = weights
CAUSAL = torch.tensor([[True, False, False, False],
                       [True, True, False, False],
                       [True, True, True, False],
                       [True, True, True, True]])

TESTS = [
    public_case(
        "P1", t("shared queries and keys: each token scores itself highest",
                "查询与键共享：每个词元对自己的得分最高"),
        call("shared_qk_attention", X, W_QK, W_V),
        # scores = (x W_qk)(x W_qk)ᵀ / √4 = [[1, .5, .5, -.5], [.5, 1, -.5, -.5],
        #                                     [.5, -.5, 1.5, .5], [-.5, -.5, .5, 1]]
        expected=torch.tensor([[[0.4105, 0.2490, 0.2490, 0.0916],
                                [0.2955, 0.4871, 0.1087, 0.1087],
                                [0.1966, 0.0723, 0.5344, 0.1966],
                                [0.1087, 0.1087, 0.2955, 0.4871]]]),
        hint=t("Q and K are the same tensor x @ w_qk; divide the scores by sqrt(Dk) = 2.",
               "Q 和 K 是同一个张量 x @ w_qk；把得分除以 sqrt(Dk) = 2。"),
    ),
    public_case(
        "P2", t("exclude_self=True: no token attends to itself", "exclude_self=True：没有词元关注自己"),
        call("shared_qk_attention", X, W_QK, W_V, exclude_self=True),
        expected=torch.tensor([[[0.0000, 0.4223, 0.4223, 0.1554],
                                [0.5761, 0.0000, 0.2119, 0.2119],
                                [0.4223, 0.1554, 0.0000, 0.4223],
                                [0.2119, 0.2119, 0.5761, 0.0000]]]),
        hint=t("Block the diagonal of the scores before the softmax; the other keys share the weight.",
               "在 softmax 之前屏蔽得分矩阵的对角线；权重由其余的键分享。"),
    ),
    public_case(
        "P3", t("causal mask and exclude_self: token 0 has only itself",
                "因果掩码加 exclude_self：词元 0 只有它自己"),
        call("shared_qk_attention", X, W_QK, W_V, mask=CAUSAL, exclude_self=True),
        expected=torch.tensor([[[1.0000, 0.0000, 0.0000, 0.0000],
                                [1.0000, 0.0000, 0.0000, 0.0000],
                                [0.7311, 0.2689, 0.0000, 0.0000],
                                [0.2119, 0.2119, 0.5761, 0.0000]]]),
        hint=t("A query whose only allowed key is itself attends to itself (weight 1), not to nothing.",
               "如果一个查询唯一允许的键就是它自己，它就只关注自己（权重为 1），而不是什么都不关注。"),
    ),
    public_case(
        "P4", t("float64 in, float64 out", "输入 float64，输出 float64"),
        call("shared_qk_attention",
             torch.tensor([[[1.0, 0.5], [0.0, -1.0], [-0.5, 1.0]]], dtype=torch.float64),
             torch.tensor([[1.0, 0.0], [0.5, 1.0]], dtype=torch.float64),
             torch.tensor([[1.0, -1.0], [2.0, 0.0]], dtype=torch.float64),
             exclude_self=True),
        expected=torch.tensor([[[0.657680, 0.379669],
                                [1.738959, -0.216876],
                                [0.971267, -0.742817]]], dtype=torch.float64),
        places=6,
    ),
    public_case(
        "P5", t("scores of 1e4 stay finite", "得分为 1e4 时仍为有限值"),
        call("shared_qk_attention", torch.tensor([[[100.0, 0.0], [0.0, 100.0], [100.0, 100.0]]]),
             torch.eye(2), torch.tensor([[1.0], [2.0]]), exclude_self=True),
        check=all_finite(),
        hint=t("Block scores with -inf and use torch.softmax, which subtracts each row's maximum.",
               "用 -inf 屏蔽得分，并使用会减去每行最大值的 torch.softmax。"),
    ),
]

# The statement's worked example. Its output is the (L, L) weight matrix itself
# (one-hot tokens, w_v = identity), which reports and the site draw.
EXAMPLE = TESTS[2].make(None)


def example_figure(value):
    """(B, L, Dv) output -> the (L, L) weights of the first batch element (Dv = L, V = I)."""
    return value[0]
