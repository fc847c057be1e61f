"""Public tests for sliding_window_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. In the first three the values are the identity matrix, so each
row of the output is that query's attention weights and the band of allowed
keys is plain to see. The hidden tests use random inputs, other windows and
lengths, gradients, scores up to 1e4, and two memory tests at L = 16384 with a
bound of 64 MiB beyond the inputs.
"""

import torch

from grader.cases import call, public_case
from grader.checks import raises
from grader.i18n import t

# Worked example: L = 5, D = 4 (so the scale is 1/2). Every query is (2, 0, 0, 0),
# so the scaled score of key j is the first feature of key j: (0, 1, 2, 1, 0).
Q = torch.tensor([[2.0, 0.0, 0.0, 0.0]] * 5)  # (L=5, D=4)
K = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0],
                  [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])  # (L=5, D=4)
V = torch.eye(5)  # (L=5, Dv=5): output row i = the weights of query i
V2 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0]])  # (L=5, Dv=2)

TESTS = [
    public_case(
        "P1", t("worked example: causal, window = 2", "算例：因果，window = 2"),
        call("sliding_window_attention", Q, K, V, 2),
        # query i sees keys i-1 and i
        expected=torch.tensor([[1.0000, 0.0000, 0.0000, 0.0000, 0.0000],
                               [0.2689, 0.7311, 0.0000, 0.0000, 0.0000],
                               [0.0000, 0.2689, 0.7311, 0.0000, 0.0000],
                               [0.0000, 0.0000, 0.7311, 0.2689, 0.0000],
                               [0.0000, 0.0000, 0.0000, 0.7311, 0.2689]]),
        hint=t("Causal: key j is allowed for query i when i - window < j <= i, the query itself "
               "included.",
               "因果：当 i - window < j <= i 时查询 i 可以看键 j，包括查询自己。"),
    ),
    public_case(
        "P2", t("not causal: |i - j| < window", "非因果：|i - j| < window"),
        call("sliding_window_attention", Q, K, V, 2, causal=False),
        # query i sees keys i-1, i and i+1 (fewer at the two ends)
        expected=torch.tensor([[0.2689, 0.7311, 0.0000, 0.0000, 0.0000],
                               [0.0900, 0.2447, 0.6652, 0.0000, 0.0000],
                               [0.0000, 0.2119, 0.5761, 0.2119, 0.0000],
                               [0.0000, 0.0000, 0.6652, 0.2447, 0.0900],
                               [0.0000, 0.0000, 0.0000, 0.7311, 0.2689]]),
        hint=t("Without causality a query sees window - 1 keys on each side and itself.",
               "非因果时，查询能看到两侧各 window - 1 个键，以及它自己。"),
    ),
    public_case(
        "P3", t("a window longer than the sequence is ordinary causal attention",
                "比序列还长的窗口就是普通的因果注意力"),
        call("sliding_window_attention", Q, K, V, 8),
        expected=torch.tensor([[1.0000, 0.0000, 0.0000, 0.0000, 0.0000],
                               [0.2689, 0.7311, 0.0000, 0.0000, 0.0000],
                               [0.0900, 0.2447, 0.6652, 0.0000, 0.0000],
                               [0.0723, 0.1966, 0.5344, 0.1966, 0.0000],
                               [0.0675, 0.1834, 0.4984, 0.1834, 0.0675]]),
        hint=t("Clip the key range to 0 … L - 1.", "把键的范围截断到 0 … L - 1。"),
    ),
    public_case(
        "P4", t("float64 with a batch dimension, not causal", "float64，带一个批维度，非因果"),
        call("sliding_window_attention", torch.stack([Q, -Q]).double(), torch.stack([K, K]).double(),
             torch.stack([V2, V2]).double(), 2, causal=False),
        # batch element 1 negates the queries, which reverses every preference
        expected=torch.tensor([[[0.268941, 0.731059], [0.755272, 0.909969], [1.000000, 0.788058],
                                [1.154698, 0.845302], [1.462117, 0.537883]],
                               [[0.731059, 0.268941], [0.755272, 0.334759], [1.000000, 0.577681],
                                [0.579488, 1.420512], [0.537883, 1.462117]]], dtype=torch.float64),
        places=6,
        hint=t("Index axes from the end so that batch dimensions pass through.",
               "从末尾索引维度，让批维度原样通过。"),
    ),
    public_case(
        "P5", t("window = 0 raises ValueError", "window = 0 时抛出 ValueError"),
        call("sliding_window_attention", Q, K, V, 0),
        check=raises("ValueError", why=t("window must be at least 1", "window 至少为 1")),
        hint=t("Check window before anything else.", "先检查 window。"),
    ),
]

# The statement's worked example; with V = I its output rows are the attention weights.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """The (L, L) attention weights (the output, since V is the identity)."""
    return value
