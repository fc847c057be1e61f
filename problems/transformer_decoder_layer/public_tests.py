"""Public tests for transformer_decoder_layer (run by `attn-judge check`).

Each test builds the layer with the weights written below (loaded with
load_state_dict(strict=True)), calls it, and shows the expected result, so you
can reproduce it in a Python shell. Unless a test says otherwise, every
projection of both attentions and both feed-forward layers are identity
matrices with zero biases (so FF(h) = relu(h)) and the LayerNorms have weight 1
and bias 0. The hidden tests use random weights (LayerNorm weights too), other
shapes, masks and dtypes, and check the gradients of x, memory and every
parameter.
"""

import torch

from grader.cases import module_call, public_case
from grader.checks import raises
from grader.i18n import t

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
I4 = torch.eye(4)


def state(changes=None, dtype=torch.float32):
    """The identity layer's state dict (E = 4, dim_feedforward = 4), with ``changes`` applied."""
    result = {}
    for attention in ("self_attn", "cross_attn"):
        for name in PROJECTIONS:
            result[f"{attention}.{name}.weight"] = I4
            result[f"{attention}.{name}.bias"] = torch.zeros(4)
    for name in ("linear1", "linear2"):
        result[f"{name}.weight"] = I4
        result[f"{name}.bias"] = torch.zeros(4)
    for name in ("norm1", "norm2", "norm3"):
        result[f"{name}.weight"] = torch.ones(4)
        result[f"{name}.bias"] = torch.zeros(4)
    result |= changes or {}
    return {name: tensor.to(dtype) for name, tensor in result.items()}


# the worked example of the statement: a target of T=2 tokens and a memory of S=3 tokens
X = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0]]])  # (B=1, T=2, E=4)
MEMORY = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0],
                        [1.0, 1.0, 0.0, 1.0]]])  # (B=1, S=3, E=4)
# two target sequences of 3 tokens, each reading a memory of 2 tokens
X2 = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0], [1.0, 1.0, -1.0, 0.0]],
                   [[0.0, 1.0, 1.0, 0.0], [2.0, 0.0, 0.0, -1.0], [0.0, 0.0, 1.0, 1.0]]])
MEMORY2 = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0]],
                        [[1.0, 1.0, 0.0, 1.0], [0.0, 0.0, 2.0, 0.0]]])

TESTS = [
    public_case(
        "P1", t("worked example: post-norm, causal, identity weights, T=2, S=3",
                "算例：post-norm，因果，单位矩阵权重，T=2，S=3"),
        module_call("TransformerDecoderLayer", (4, 2, 4), state_dict=state(), args=(X, MEMORY)),
        # token 0 sees only itself: SA(x)[0] = x[0], so norm1 gives [1, -1, -1, 1] (up to eps)
        expected=torch.tensor([[[1.1468, -0.9154, -1.0697, 0.8382],
                                [-0.7418, 1.6894, -0.2031, -0.7445]]]),
        hint=t("Post-norm: x = norm1(x + SA(x)), x = norm2(x + CA(x, memory)), "
               "x = norm3(x + FF(x)); with causal=True token 0 attends only to itself.",
               "post-norm：x = norm1(x + SA(x))，x = norm2(x + CA(x, memory))，"
               "x = norm3(x + FF(x))；causal=True 时第 0 个词元只关注它自己。"),
    ),
    public_case(
        "P2", t("the same inputs with causal=False", "同样的输入，causal=False"),
        module_call("TransformerDecoderLayer", (4, 2, 4), state_dict=state(), args=(X, MEMORY),
                    kwargs={"causal": False}),
        # only token 0 changes: it now sees token 1 too; token 1 saw both tokens anyway
        expected=torch.tensor([[[1.1193, -0.7300, -1.2287, 0.8394],
                                [-0.7418, 1.6894, -0.2031, -0.7445]]]),
        hint=t("causal=False: every target token may attend to every target token.",
               "causal=False：每个目标词元都可以关注所有目标词元。"),
    ),
    public_case(
        "P3", t("pre-norm with a memory mask (B, 1, 1, S) that hides the last memory token",
                "pre-norm，memory 掩码 (B, 1, 1, S) 遮住最后一个 memory 词元"),
        module_call("TransformerDecoderLayer", (4, 2, 4), {"norm_first": True},
                    state_dict=state(), args=(X, MEMORY),
                    kwargs={"memory_mask": torch.tensor([True, True, False]).view(1, 1, 1, 3)}),
        # x + SA(norm1(x)), + CA(norm2(x), memory), + FF(norm3(x)): memory is not normalised
        expected=torch.tensor([[[4.0400, -0.8044, -0.6697, 2.7315],
                                [-0.7226, 5.8621, 1.8068, -0.5558]]]),
        hint=t("Pre-norm normalises the decoder's stream before each sub-layer; memory goes into "
               "cross-attention as it is. memory_mask only masks cross-attention.",
               "pre-norm 在每个子层之前归一化解码器自己的残差流；memory 原样送入交叉注意力。"
               "memory_mask 只作用于交叉注意力。"),
    ),
    public_case(
        "P4", t("float64, four heads of width 1, T=3 reading S=2, norm2 and a value bias of "
                "its own",
                "float64，四个宽度为 1 的头，T=3 读取 S=2，norm2 和值投影有自己的参数"),
        module_call("TransformerDecoderLayer", (4, 4, 4), dtype=torch.float64,
                    args=(X2.double(), MEMORY2.double()),
                    state_dict=state({"norm2.weight": torch.tensor([2.0, 2.0, 1.0, 1.0]),
                                      "norm2.bias": torch.tensor([0.0, 0.0, 0.5, -0.5]),
                                      "cross_attn.v_proj.bias":
                                          torch.tensor([1.0, -1.0, 0.0, 0.0])},
                                     dtype=torch.float64)),
        expected=torch.tensor([[[1.644233, -1.061439, -0.294256, -0.288539],
                                [-0.341557, 1.526175, 0.060555, -1.245173],
                                [1.622348, 0.028664, -0.779466, -0.871546]],
                               [[-0.531518, -0.205882, 1.673157, -0.935756],
                                [1.636691, -0.819783, -0.011262, -0.805647],
                                [-0.079905, -1.334237, 1.486019, -0.071878]]],
                              dtype=torch.float64),
        places=6,
        hint=t("Cross-attention takes its queries from the target and its keys and values from "
               "memory, so the output has T rows whatever S is.",
               "交叉注意力的查询来自目标序列，键和值来自 memory，所以不管 S 是多少，输出都有 T 行。"),
    ),
    public_case(
        "P5", t("d_model not divisible by num_heads raises ValueError",
                "d_model 不能被 num_heads 整除时抛出 ValueError"),
        module_call("TransformerDecoderLayer", (6, 4, 8), args=None),
        check=raises("ValueError", why=t("d_model=6 cannot be split into 4 heads",
                                         "d_model=6 无法切分成 4 个头")),
        hint=t("Check d_model % num_heads in __init__.", "在 __init__ 里检查 d_model % num_heads。"),
    ),
]

# The statement's worked example; reports draw the output it returns.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """The layer's (T, E) output for the first sequence of the batch."""
    return value[0]
