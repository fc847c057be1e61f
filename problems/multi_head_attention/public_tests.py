"""Public tests for multi_head_attention (run by `attn-judge check`).

Each test builds the module with the weights written below (loaded with
load_state_dict(strict=True)), calls it, and shows the expected result, so you
can reproduce it in a Python shell. The hidden tests use random weights, other
shapes, dtypes and masks, and check input and parameter gradients too.
"""

import torch

from grader.cases import module_call, public_case
from grader.checks import raises
from grader.i18n import t

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
I4 = torch.eye(4)


def state(weights, biases=None):
    """State dict from {projection: weight} and, when the module has biases, {projection: bias}."""
    result = {f"{name}.weight": weights[name] for name in PROJECTIONS}
    if biases is not None:
        result |= {f"{name}.bias": biases[name] for name in PROJECTIONS}
    return result


IDENTITY = state({name: I4 for name in PROJECTIONS}, {name: torch.zeros(4) for name in PROJECTIONS})

# query (B=1, Lq=2, E=4); key and value (B=1, Lk=3, E=4)
Q = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0]]])
K = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0]]])
V = torch.tensor([[[1.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]]])
MASK = torch.tensor([[True, False, True], [True, True, False]])  # (Lq, Lk)

TESTS = [
    public_case(
        "P1", t("worked example: identity projections, two heads of width 2",
                "算例：投影都是单位矩阵，两个宽度为 2 的头"),
        module_call("MultiHeadAttention", (4, 2), state_dict=IDENTITY, args=(Q, K, V),
                    kwargs={"return_weights": True}),
        # head 0 reads features 0-1, head 1 features 2-3; scores are divided by sqrt(2)
        expected=(
            torch.tensor([[[0.8022, 0.5989, 1.0000, 1.0000],
                           [0.5542, 0.8916, 1.2552, 0.7448]]]),
            torch.tensor([[[[0.4011, 0.1978, 0.4011], [0.1084, 0.4458, 0.4458]],
                           [[0.2483, 0.2483, 0.5035], [0.2483, 0.5035, 0.2483]]]]),
        ),
        hint=t("Head h uses features [2h, 2h+2) of q, k and v; scale by sqrt(head_dim) = sqrt(2).",
               "头 h 使用 q、k、v 的第 [2h, 2h+2) 个特征；按 sqrt(head_dim) = sqrt(2) 缩放。"),
    ),
    public_case(
        "P2", t("an (Lq, Lk) mask is shared by every head", "所有头共用一个 (Lq, Lk) 掩码"),
        module_call("MultiHeadAttention", (4, 2), state_dict=IDENTITY, args=(Q, K, V),
                    kwargs={"mask": MASK, "return_weights": True}),
        expected=(
            torch.tensor([[[1.0000, 0.5000, 0.6698, 1.3302],
                           [0.1956, 0.8044, 1.3395, 0.6605]]]),
            torch.tensor([[[[0.5000, 0.0000, 0.5000], [0.1956, 0.8044, 0.0000]],
                           [[0.3302, 0.0000, 0.6698], [0.3302, 0.6698, 0.0000]]]]),
        ),
        hint=t("True means 'may attend'; the (Lq, Lk) mask broadcasts over batch and heads.",
               "True 表示“可以关注”；(Lq, Lk) 掩码在批和头上广播。"),
    ),
    public_case(
        "P3", t("projections with biases, and out_proj mixing the heads", "带偏置的投影，以及混合各头的 out_proj"),
        module_call(
            "MultiHeadAttention", (4, 2), args=(Q, K, V),
            state_dict=state(
                {"q_proj": 2 * I4, "k_proj": I4,
                 "v_proj": torch.tensor([[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0],
                                         [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]),
                 "out_proj": torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0],
                                           [1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])},
                {"q_proj": torch.zeros(4), "k_proj": torch.tensor([0.0, 0.0, 1.0, 0.0]),
                 "v_proj": torch.tensor([0.0, 0.0, 1.0, -1.0]),
                 "out_proj": torch.tensor([0.5, 0.0, 0.0, 0.0])},
            ),
        ),
        expected=torch.tensor([[[3.0542, 0.8916, -1.4458, 0.8916],
                                [3.9806, 0.0051, -1.5380, 1.0236]]]),
        hint=t("A torch.nn.Linear computes x @ weight.T + bias; out_proj comes after the heads are "
               "concatenated.",
               "torch.nn.Linear 计算的是 x @ weight.T + bias；out_proj 在各头拼接之后。"),
    ),
    public_case(
        "P4", t("float64, bias=False, four heads of width 1", "float64，bias=False，四个宽度为 1 的头"),
        module_call("MultiHeadAttention", (4, 4), {"bias": False}, dtype=torch.float64,
                    state_dict={f"{name}.weight": I4.double() for name in PROJECTIONS},
                    args=(Q.double(), K.double(), V.double())),
        expected=torch.tensor([[[0.844638, 0.666667, 1.000000, 1.000000],
                                [0.666667, 0.936621, 1.364175, 1.000000]]], dtype=torch.float64),
        places=6,
        hint=t("With bias=False the state dict has no '.bias' entries.",
               "bias=False 时 state dict 中没有 '.bias' 项。"),
    ),
    public_case(
        "P5", t("embed_dim not divisible by num_heads raises ValueError",
                "embed_dim 不能被 num_heads 整除时抛出 ValueError"),
        module_call("MultiHeadAttention", (6, 4), args=None),
        check=raises("ValueError", why=t("embed_dim=6 cannot be split into 4 heads",
                                         "embed_dim=6 无法切分成 4 个头")),
        hint=t("Check embed_dim % num_heads in __init__.", "在 __init__ 中检查 embed_dim % num_heads。"),
    ),
]

# The statement's worked example; reports and the site draw its attention weights.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(output, weights) -> the (heads, Lq, Lk) weights of the first batch element."""
    return value[1][0]
