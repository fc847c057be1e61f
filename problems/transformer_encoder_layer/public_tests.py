"""Public tests for transformer_encoder_layer (run by `attn-judge check`).

Each test builds the layer with the weights written below (loaded with
load_state_dict(strict=True)), calls it, and shows the expected result, so you
can reproduce it in a Python shell. Unless a test says otherwise, every
projection and both feed-forward layers are identity matrices with zero biases
(so FF(h) = relu(h)) and the LayerNorms have weight 1 and bias 0. The hidden
tests use random weights (LayerNorm weights too), other shapes, masks and
dtypes, and check the gradients of x and of every parameter.
"""

import torch

from grader.cases import module_call, public_case
from grader.checks import raises
from grader.i18n import t

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
I4 = torch.eye(4)


def state(changes=None, dim_feedforward=4, dtype=torch.float32):
    """The identity layer's state dict (E = 4), with ``changes`` {name: tensor} applied."""
    result = {}
    for name in PROJECTIONS:
        result[f"self_attn.{name}.weight"] = I4
        result[f"self_attn.{name}.bias"] = torch.zeros(4)
    result["linear1.weight"] = torch.eye(dim_feedforward, 4)
    result["linear1.bias"] = torch.zeros(dim_feedforward)
    result["linear2.weight"] = torch.eye(4, dim_feedforward)
    result["linear2.bias"] = torch.zeros(4)
    for name in ("norm1", "norm2"):
        result[f"{name}.weight"] = torch.ones(4)
        result[f"{name}.bias"] = torch.zeros(4)
    result |= changes or {}
    return {name: tensor.to(dtype) for name, tensor in result.items()}


# x (B=1, L=2, E=4): the worked example of the statement
X = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0]]])
# two sequences of 3 tokens; the second one is padded after 2 tokens
X_PADDED = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0], [1.0, 1.0, -1.0, 0.0]],
                         [[0.0, 1.0, 1.0, 0.0], [2.0, 0.0, 0.0, -1.0], [5.0, 5.0, 5.0, 5.0]]])
PADDING = torch.tensor([[True, True, True], [True, True, False]]).view(2, 1, 1, 3)  # (B, 1, 1, L)

TESTS = [
    public_case(
        "P1", t("worked example: post-norm, identity weights, two heads of width 2",
               "算例：post-norm，单位矩阵权重，两个宽度为 2 的头"),
        module_call("TransformerEncoderLayer", (4, 2, 4), state_dict=state(), args=(X,)),
        # SA(x) = [[0.6698, 0.6605, 0.3302, 0.6698], [0.0558, 1.8884, 0.6698, 0.3302]]
        # h = norm1(x + SA(x)); output = norm2(h + relu(h)): every row has mean 0, variance ~1
        expected=torch.tensor([[[0.9913, -0.8055, -1.1772, 0.9913],
                                [-0.8319, 1.6656, -0.1118, -0.7219]]]),
        hint=t("Post-norm: x = norm1(x + SA(x)), then x = norm2(x + FF(x)); the attention "
               "scales its scores by sqrt(head_dim) = sqrt(2).",
               "post-norm：x = norm1(x + SA(x))，然后 x = norm2(x + FF(x))；注意力的得分除以 "
               "sqrt(head_dim) = sqrt(2)。"),
    ),
    public_case(
        "P2", t("the same layer in pre-norm order (norm_first=True)",
               "同一个层按 pre-norm 顺序计算（norm_first=True）"),
        module_call("TransformerEncoderLayer", (4, 2, 4), {"norm_first": True},
                    state_dict=state(), args=(X,)),
        # x + SA(norm1(x)), then + FF(norm2(...)): the residual stream itself is never normalised
        expected=torch.tensor([[[2.9547, -0.8939, -0.8778, 2.7852],
                                [-0.8664, 5.0231, 1.2317, -0.5558]]]),
        hint=t("Pre-norm: x = x + SA(norm1(x)), then x = x + FF(norm2(x)).",
               "pre-norm：x = x + SA(norm1(x))，然后 x = x + FF(norm2(x))。"),
    ),
    public_case(
        "P3", t("a padding mask (B, 1, 1, L) and norm1 with its own weight and bias",
               "填充掩码 (B, 1, 1, L)，norm1 有自己的 weight 和 bias"),
        module_call("TransformerEncoderLayer", (4, 2, 4), args=(X_PADDED,),
                    kwargs={"mask": PADDING},
                    state_dict=state({"norm1.weight": torch.tensor([1.0, 1.0, 2.0, 2.0]),
                                      "norm1.bias": torch.tensor([0.0, 0.5, 0.0, -0.5])})),
        # the padded token [5, 5, 5, 5] is still computed, but no query attends to it
        expected=torch.tensor([[[0.9337, -0.0008, -1.6269, 0.6940],
                                [-0.4942, 1.6407, -0.1223, -1.0242],
                                [0.5169, 1.3099, -1.3307, -0.4961]],
                               [[-0.3427, 0.7659, 1.0546, -1.4778],
                                [1.4397, 0.1335, -0.2070, -1.3662],
                                [1.3179, -0.3902, 0.4528, -1.3805]]]),
        hint=t("True means 'may attend'; the (B, 1, 1, L) mask broadcasts over heads and "
               "queries. norm1 and norm2 are two different LayerNorms.",
               "True 表示“可以关注”；(B, 1, 1, L) 的掩码在头和查询两个维度上广播。"
               "norm1 和 norm2 是两个不同的层归一化。"),
    ),
    public_case(
        "P4", t("float64, eps=0.5, four heads of width 1, dim_feedforward=8 computing |h|",
               "float64，eps=0.5，四个宽度为 1 的头，dim_feedforward=8 的前馈网络计算 |h|"),
        module_call("TransformerEncoderLayer", (4, 4, 8), {"eps": 0.5}, dtype=torch.float64,
                    args=(X.double(),),
                    state_dict=state({"linear1.weight": torch.cat([I4, -I4]),  # (8, 4)
                                      "linear1.bias": torch.zeros(8),
                                      "linear2.weight": torch.cat([I4, I4], dim=1)},  # (4, 8)
                                     dim_feedforward=8, dtype=torch.float64)),
        # relu(h) + relu(-h) = |h|; a large eps shrinks what the LayerNorms return
        expected=torch.tensor([[[0.619706, -0.619706, -0.619706, 0.619706],
                                [-0.518672, 1.505387, -0.468043, -0.518672]]],
                              dtype=torch.float64),
        places=6,
        hint=t("Pass eps to both LayerNorms.", "把 eps 传给两个层归一化。"),
    ),
    public_case(
        "P5", t("d_model not divisible by num_heads raises ValueError",
               "d_model 不能被 num_heads 整除时抛出 ValueError"),
        module_call("TransformerEncoderLayer", (6, 4, 8), args=None),
        check=raises("ValueError", why=t("d_model=6 cannot be split into 4 heads",
                                         "d_model=6 无法切分成 4 个头")),
        hint=t("Check d_model % num_heads in __init__.", "在 __init__ 里检查 d_model % num_heads。"),
    ),
]

# The statement's worked example; reports draw the output it returns.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """The layer's (L, E) output for the first sequence of the batch."""
    return value[0]
