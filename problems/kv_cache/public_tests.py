"""Public tests for kv_cache (run by `attn-judge check`).

Each test builds the module with the weights written below (loaded with
load_state_dict(strict=True)), calls it, and shows the expected result, so you
can reproduce it in a Python shell. A test with chunks feeds x in pieces of
those lengths along the time axis, passing each call the cache the previous
call returned, and expects the outputs of every piece side by side and the last
cache. The hidden tests use random weights, other shapes and splits, float64,
and check gradients too.
"""

import torch

from grader.cases import module_call, public_case
from grader.checks import raises
from grader.i18n import t

SYMBOL = "CachedSelfAttention"
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
I4 = torch.eye(4)


def state(weights=None, biases=None, dtype=torch.float32):
    """State dict: identity weights and zero biases unless {projection: tensor} says otherwise."""
    result = {}
    for name in PROJECTIONS:
        result[f"{name}.weight"] = (weights or {}).get(name, I4).to(dtype)
        result[f"{name}.bias"] = (biases or {}).get(name, torch.zeros(4)).to(dtype)
    return result


IDENTITY = state()
# (B=1, T=3, E=4); with H=2, head 0 reads features 0-1 and head 1 features 2-3
X = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 1.0, 0.0], [1.0, 1.0, 1.0, -1.0]]])
# The keys (= values, with identity projections) of all three tokens, (B, H, T, head_dim)
K = torch.tensor([[[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]],
                   [[0.0, 1.0], [1.0, 0.0], [1.0, -1.0]]]])
OUTPUT = torch.tensor([[[1.0000, 0.0000, 0.0000, 1.0000],
                        [0.0558, 1.8884, 0.6698, 0.3302],
                        [0.5989, 1.2033, 0.9257, -0.5457]]])

TESTS = [
    public_case(
        "P1", t("worked example: three tokens in one call, no cache",
                "算例：一次调用输入三个词元，没有缓存"),
        module_call(SYMBOL, (4, 2), state_dict=IDENTITY, args=(X,)),
        # token t attends to tokens 0 … t; the cache holds every token's keys and values
        expected=(OUTPUT, (K, K)),
        hint=t("Causal: token t sees tokens 0 … t. Return (output, (k, v)) with k and v of shape "
               "(B, H, T, head_dim).",
               "因果：第 t 个词元看到第 0 … t 个词元。返回 (output, (k, v))，k 和 v 的形状为 "
               "(B, H, T, head_dim)。"),
    ),
    public_case(
        "P2", t("the same tokens as a prompt of two, then one more token",
                "同样的词元：先是两个词元的提示词，再来一个词元"),
        module_call(SYMBOL, (4, 2), state_dict=IDENTITY, args=(X,), chunks=(2, 1)),
        expected=(OUTPUT, (K, K)),
        hint=t("Feeding in pieces gives the outputs of one call on the whole sequence: the second "
               "call must see the cached keys and values of the first.",
               "分段输入的输出与整个序列一次调用的输出相同：第二次调用必须看到第一次调用缓存的键和值。"),
    ),
    public_case(
        "P3", t("a cache of two tokens passed in, one new token",
                "传入两个词元的缓存，一个新词元"),
        module_call(SYMBOL, (4, 2), state_dict=IDENTITY, args=(X[:, 2:],),
                    kwargs={"cache": (K[:, :, :2], K[:, :, :2])}),
        expected=(OUTPUT[:, 2:], (K, K)),
        hint=t("The new cache is the old one followed by the new token's keys and values, along "
               "dim 2.",
               "新的缓存是旧缓存后面接上新词元的键和值，沿第 2 维拼接。"),
    ),
    public_case(
        "P4", t("float64, biases and other weights: one cached token, then a chunk of two",
                "float64，带偏置和其他权重：缓存一个词元，再输入两个词元的块"),
        module_call(
            SYMBOL, (4, 2), dtype=torch.float64, args=(X[:, 1:].double(),),
            state_dict=state(
                {"q_proj": 2 * I4,
                 "v_proj": torch.tensor([[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0],
                                         [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])},
                {"k_proj": torch.tensor([0.0, 0.0, 1.0, 0.0]),
                 "out_proj": torch.tensor([0.5, 0.0, 0.0, -0.5])},
                dtype=torch.float64),
            # the projected key and value of token 0 under these weights
            kwargs={"cache": (torch.tensor([[[[1.0, 0.0]], [[1.0, 1.0]]]], dtype=torch.float64),
                              torch.tensor([[[[0.0, 1.0]], [[0.0, 1.0]]]], dtype=torch.float64))}),
        expected=(
            torch.tensor([[[2.493037, 0.003481, 0.804430, -0.304430],
                           [1.837425, 0.554192, 0.988573, -1.283810]]], dtype=torch.float64),
            (torch.tensor([[[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]],
                            [[1.0, 1.0], [2.0, 0.0], [2.0, -1.0]]]], dtype=torch.float64),
             torch.tensor([[[[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]],
                            [[0.0, 1.0], [1.0, 0.0], [1.0, -1.0]]]], dtype=torch.float64)),
        ),
        places=6,
        hint=t("New token t is at position T_past + t = 1 + t: the first new token sees the cached "
               "token and itself, the second sees all three.",
               "第 t 个新词元位于位置 T_past + t = 1 + t：第一个新词元看到缓存的词元和它自己，"
               "第二个看到全部三个。"),
    ),
    public_case(
        "P5", t("embed_dim not divisible by num_heads raises ValueError",
                "embed_dim 不能被 num_heads 整除时抛出 ValueError"),
        module_call(SYMBOL, (6, 4), args=None),
        check=raises("ValueError", why=t("embed_dim=6 cannot be split into 4 heads",
                                         "embed_dim=6 无法分成 4 个头")),
        hint=t("Check embed_dim % num_heads in __init__.", "在 __init__ 中检查 embed_dim % num_heads。"),
    ),
]

# The statement's worked example; reports draw its output.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(output, (k, v)) -> the (T, E) output of the first batch element."""
    return value[0][0]
