"""Public tests for self_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The hidden tests use other shapes, dtypes and random inputs, and
check the gradients of x and of the three weight matrices too.
"""

import torch

from grader.cases import call, public_case
from grader.i18n import t

# Worked example: three one-hot tokens (B=1, L=3, D=3), Dk=2, and W_V = I (Dv=3),
# so Q, K and V are just the rows of w_q, w_k and the identity, and the output
# rows are the attention weights themselves.
X = torch.eye(3).unsqueeze(0)  # (1, 3, 3)
W_Q = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # (3, 2)
W_K = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # (3, 2)
W_V = torch.eye(3)  # (3, 3)

# A batch of two sequences with D=3, Dk=2, Dv=2 and small integer entries.
X2 = torch.tensor([[[-1.0, 1.0, 1.0], [-1.0, 0.0, -1.0], [-1.0, -1.0, 1.0]],
                   [[1.0, 0.0, 1.0], [-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]]])  # (2, 3, 3)
W_Q2 = torch.tensor([[1.0, 1.0], [1.0, -1.0], [1.0, -1.0]])  # (3, 2)
W_K2 = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])  # (3, 2)
W_V2 = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, -1.0]])  # (3, 2)

TESTS = [
    public_case(
        "P1", t("worked example: three one-hot tokens", "算例：三个独热词元"),
        call("self_attention", X, W_Q, W_K, W_V),
        # scores = Q Kᵀ / √2 = [[0.7071, 0, 0], [0, 0.7071, 0], [0.7071, 0.7071, 0]]
        expected=torch.tensor([[[0.5035, 0.2483, 0.2483],
                                [0.2483, 0.5035, 0.2483],
                                [0.4011, 0.4011, 0.1978]]]),
        hint=t("Project first (Q = x @ w_q, ...), divide the scores by sqrt(Dk) = sqrt(2), "
               "softmax over the keys.",
               "先投影（Q = x @ w_q，……），把得分除以 sqrt(Dk) = sqrt(2)，再在键上做 softmax。"),
    ),
    public_case(
        "P2", t("worked example with causal=True", "算例，causal=True"),
        call("self_attention", X, W_Q, W_K, W_V, causal=True),
        expected=torch.tensor([[[1.0000, 0.0000, 0.0000],
                                [0.3302, 0.6698, 0.0000],
                                [0.4011, 0.4011, 0.1978]]]),
        hint=t("Token i sees tokens 0..i, itself included: the first token sees only itself.",
               "词元 i 看到词元 0..i（包括它自己）：第一个词元只看到自己。"),
    ),
    public_case(
        "P3", t("a batch of two, D=3, Dk=2, Dv=2", "批大小为 2，D=3，Dk=2，Dv=2"),
        call("self_attention", X2, W_Q2, W_K2, W_V2),
        expected=torch.tensor([[[0.6576, -0.7886], [-0.6667, -0.3333], [-0.1320, -0.4320]],
                               [[2.3421, -0.9426], [-1.4900, 0.4674], [1.9341, -0.8514]]]),
        hint=t("Dk is the width of Q and K (2 here), not the width of x (3).",
               "Dk 是 Q 和 K 的宽度（这里是 2），不是 x 的宽度（3）。"),
    ),
    public_case(
        "P4", t("float64 in, float64 out (causal)", "输入 float64，输出 float64（因果）"),
        call("self_attention", X2.double(), W_Q2.double(), W_K2.double(), W_V2.double(),
             causal=True),
        expected=torch.tensor([[[-1.0, -1.0], [-1.5, 0.0], [-0.132045, -0.432009]],
                               [[2.0, -1.0], [-2.464791, 0.785916], [1.934097, -0.851361]]],
                              dtype=torch.float64),
        places=6,
        hint=t("Float64 in, float64 out: make every tensor you create (the causal mask, a fill value) "
               "with x's dtype and device, and round nothing to float32 on the way.",
               "输入 float64，输出也是 float64：自己创建的每个张量（因果掩码、填充值）都要用 x 的 dtype 和设备，"
               "中途不要转成 float32。"),
    ),
    public_case(
        "P5", t("one token, causal: the output is x @ w_v", "一个词元，因果：输出就是 x @ w_v"),
        call("self_attention", torch.tensor([[[2.0, -1.0]]]), torch.tensor([[1.0], [0.0]]),
             torch.tensor([[0.5], [1.0]]), torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]),
             causal=True),
        expected=torch.tensor([[[2.0, -1.0, 5.0]]]),
        hint=t("With a single token its weight on itself is 1.", "只有一个词元时，它对自己的权重为 1。"),
    ),
]

# The statement's worked example; reports and the site draw its attention weights.
EXAMPLE = TESTS[1].make(None)


def example_figure(value):
    """Output (1, 3, 3) -> the (L, L) attention weights.

    W_V is the identity and the tokens are one-hot, so V = I and the output rows
    are exactly the attention weights.
    """
    return value[0]
