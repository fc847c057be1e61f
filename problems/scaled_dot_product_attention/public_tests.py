"""Public tests for scaled_dot_product_attention (run by `attn-judge check`).

Each test shows its inputs and the expected result, so you can reproduce it in
a Python shell. The hidden tests use other shapes, dtypes, masks and random
inputs, and check gradients too.
"""

import torch

from grader.cases import call, public_case
from grader.checks import all_finite

Q = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # (B=1, Lq=2, Dk=2)
K = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # (B=1, Lk=3, Dk=2)
V = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])  # (B=1, Lk=3, Dv=2)

TESTS = [
    public_case(
        "P1", "worked example: two queries, three keys",
        call("scaled_dot_product_attention", Q, K, V),
        # scores = q kᵀ / √2 = [[0.7071, 0, 0.7071], [0, 0.7071, 0.7071]]
        expected=(
            torch.tensor([[[3.0000, 4.0000], [3.4067, 4.4067]]]),
            torch.tensor([[[0.4011, 0.1978, 0.4011], [0.1978, 0.4011, 0.4011]]]),
        ),
        hint="Divide the scores by sqrt(Dk) = sqrt(2) and take the softmax over the keys.",
    ),
    public_case(
        "P2", "a mask: True means 'may attend'",
        call("scaled_dot_product_attention", Q, K, V,
             mask=torch.tensor([[True, False, True], [True, True, False]])),
        expected=(
            torch.tensor([[[3.0000, 4.0000], [2.3395, 3.3395]]]),
            torch.tensor([[[0.5000, 0.0000, 0.5000], [0.3302, 0.6698, 0.0000]]]),
        ),
        hint="Blocked weights are exactly 0 and each row still sums to 1.",
    ),
    public_case(
        "P3", "no batch dimension: one query, one key",
        call("scaled_dot_product_attention", torch.tensor([[2.0, 0.0]]),
             torch.tensor([[1.0, 1.0]]), torch.tensor([[7.0, -1.0, 0.5]])),
        expected=(torch.tensor([[7.0, -1.0, 0.5]]), torch.tensor([[1.0]])),
        hint="With a single key its weight is 1 and the output is its value.",
    ),
    public_case(
        "P4", "float64 in, float64 out",
        call("scaled_dot_product_attention", Q.double(), K.double(), V.double()),
        expected=(
            torch.tensor([[[3.0, 4.0], [3.406673, 4.406673]]], dtype=torch.float64),
            torch.tensor([[[0.401112, 0.197776, 0.401112], [0.197776, 0.401112, 0.401112]]],
                         dtype=torch.float64),
        ),
        places=6,
        hint="Keep the inputs' dtype.",
    ),
    public_case(
        "P5", "scores of 1e4 stay finite",
        call("scaled_dot_product_attention", torch.tensor([[100.0] * 4]),
             torch.tensor([[100.0] * 4, [-100.0] * 4]), torch.tensor([[1.0], [2.0]])),
        check=all_finite(),
        hint="Subtract each row's maximum before exp(), or use torch.softmax.",
    ),
]

# The statement's worked example; reports and the site draw its attention weights.
EXAMPLE = TESTS[1].make(None)


def example_figure(value):
    """(output, weights) -> the (Lq, Lk) weights of the first batch element."""
    return value[1][0]
