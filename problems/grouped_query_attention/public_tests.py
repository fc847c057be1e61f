"""Public tests for grouped_query_attention (run by `attn-judge check`).

The inputs are built so that the output shows the attention weights. The three
tokens are the one-hot vectors e0, e1, e2 of width E = 12, so projecting token j
just picks column j of each weight matrix; the columns are chosen so that

- token j's query in head h is QUERIES[h][j] and its key in key/value head g is
  KEYS[g][j] (3 numbers each, head_dim = 3);
- token j's value in every key/value head is the one-hot vector e_j;
- out_proj is the identity (in P4, twice the identity).

Then features [3h, 3h + 3) of output row i are exactly head h's attention
weights of query i over the three keys. The hidden tests use random weights,
other shapes, dtypes and masks, and check input and parameter gradients too.
"""

import torch

from grader.cases import module_call, public_case
from grader.checks import raises
from grader.i18n import t

E, L, HEAD_DIM = 12, 3, 3

QUERIES = torch.tensor([  # (H=4, L=3, head_dim=3)
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]],  # head 0 (group 0): looks at itself
    [[0.0, 0.0, 2.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]],  # head 1 (group 0): looks one step back
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # head 2 (group 1)
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],  # head 3 (group 1): no preference
])
KEYS = torch.tensor([  # (Hkv=2, L=3, head_dim=3)
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # key/value head 0
    [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]],  # key/value head 1
])


def columns(per_head):
    """(heads, L, head_dim) vectors -> a (heads * head_dim, E) weight; column j gives token j's."""
    heads = per_head.shape[0]
    weight = torch.zeros(heads * HEAD_DIM, E)
    weight[:, :L] = per_head.transpose(1, 2).reshape(heads * HEAD_DIM, L)
    return weight


def state(kv_heads):
    """bias=False state dict with the first ``kv_heads`` key/value heads of KEYS."""
    return {
        "q_proj.weight": columns(QUERIES),
        "k_proj.weight": columns(KEYS[:kv_heads]),
        "v_proj.weight": columns(torch.eye(L).expand(kv_heads, L, L)),  # value of token j = e_j
        "out_proj.weight": torch.eye(E),
    }


X = torch.eye(L, E).unsqueeze(0)  # (B=1, L=3, E=12): the tokens e0, e1, e2
GQA = ("GroupedQueryAttention", (E, 4, 2))  # 4 query heads, 2 key/value heads

TESTS = [
    public_case(
        "P1", t("worked example: heads 0-1 share key/value head 0, heads 2-3 share head 1",
                "算例：头 0-1 共用键/值头 0，头 2-3 共用键/值头 1"),
        module_call(*GQA, state_dict=state(2), args=(X,)),
        # row i, features [3h, 3h+3) = head h's weights of query i over keys 0, 1, 2
        expected=torch.tensor([[
            [0.6134, 0.1933, 0.1933,  0.1933, 0.1933, 0.6134,
             0.3904, 0.2192, 0.3904,  0.3333, 0.3333, 0.3333],
            [0.1933, 0.6134, 0.1933,  0.6134, 0.1933, 0.1933,
             0.3904, 0.3904, 0.2192,  0.3333, 0.3333, 0.3333],
            [0.1933, 0.1933, 0.6134,  0.1933, 0.6134, 0.1933,
             0.2192, 0.3904, 0.3904,  0.3333, 0.3333, 0.3333],
        ]]),
        hint=t("Query head h reads key/value head h // (num_heads // num_kv_heads); "
               "scale by sqrt(head_dim) = sqrt(3).",
               "查询头 h 读取键/值头 h // (num_heads // num_kv_heads)；按 sqrt(head_dim) = sqrt(3) 缩放。"),
    ),
    public_case(
        "P2", t("causal=True: each query sees itself and the past", "causal=True：每个查询看到自己和过去"),
        module_call(*GQA, state_dict=state(2), args=(X,), kwargs={"causal": True}),
        expected=torch.tensor([[
            [1.0000, 0.0000, 0.0000,  1.0000, 0.0000, 0.0000,
             1.0000, 0.0000, 0.0000,  1.0000, 0.0000, 0.0000],
            [0.2396, 0.7604, 0.0000,  0.7604, 0.2396, 0.0000,
             0.5000, 0.5000, 0.0000,  0.5000, 0.5000, 0.0000],
            [0.1933, 0.1933, 0.6134,  0.1933, 0.6134, 0.1933,
             0.2192, 0.3904, 0.3904,  0.3333, 0.3333, 0.3333],
        ]]),
        hint=t("causal=True allows key j for query i only when j <= i.",
               "causal=True 时，只有 j <= i 的键 j 才允许查询 i 关注。"),
    ),
    public_case(
        "P3", t("one key/value head for all four query heads (multi-query attention)",
                "四个查询头共用一个键/值头（多查询注意力）"),
        module_call("GroupedQueryAttention", (E, 4, 1), state_dict=state(1), args=(X,)),
        expected=torch.tensor([[
            [0.6134, 0.1933, 0.1933,  0.1933, 0.1933, 0.6134,
             0.4711, 0.2645, 0.2645,  0.3333, 0.3333, 0.3333],
            [0.1933, 0.6134, 0.1933,  0.6134, 0.1933, 0.1933,
             0.2645, 0.4711, 0.2645,  0.3333, 0.3333, 0.3333],
            [0.1933, 0.1933, 0.6134,  0.1933, 0.6134, 0.1933,
             0.2645, 0.2645, 0.4711,  0.3333, 0.3333, 0.3333],
        ]]),
        hint=t("With num_kv_heads = 1 every query head uses key/value head 0.",
               "num_kv_heads = 1 时，每个查询头都使用键/值头 0。"),
    ),
    public_case(
        "P4", t("a mask and causal=True together (float64)", "掩码与 causal=True 同时使用（float64）"),
        # The mask allows two future keys (0 -> 1, 1 -> 2) that causal=True blocks, and blocks
        # 2 -> 0. Here out_proj is 2 * I, so each output is twice the head's weights.
        module_call(*GQA, dtype=torch.float64, args=(X.double(),),
                    state_dict={k: v.double() for k, v in {**state(2), "out_proj.weight": 2 * torch.eye(E)}.items()},
                    kwargs={"mask": torch.tensor([[True, True, False], [True, True, True],
                                                  [False, True, True]]),
                            "causal": True}),
        expected=torch.tensor([[
            [2.0, 0.0, 0.0,  2.0, 0.0, 0.0,
             2.0, 0.0, 0.0,  2.0, 0.0, 0.0],
            [0.479263, 1.520737, 0.0,  1.520737, 0.479263, 0.0,
             1.0, 1.0, 0.0,  1.0, 1.0, 0.0],
            [0.0, 0.479263, 1.520737,  0.0, 1.520737, 0.479263,
             0.0, 1.0, 1.0,  0.0, 1.0, 1.0],
        ]], dtype=torch.float64),
        places=6,
        hint=t("A key is allowed only when the mask allows it and it is not in the future; the "
               "output goes through out_proj.",
               "只有掩码允许且不在未来的键才被允许；输出要经过 out_proj。"),
    ),
    public_case(
        "P5", t("num_heads not divisible by num_kv_heads raises ValueError",
                "num_heads 不能被 num_kv_heads 整除时抛出 ValueError"),
        module_call("GroupedQueryAttention", (E, 4, 3), args=None),
        check=raises("ValueError", why=t("3 key/value heads cannot be shared by 4 query heads",
                                         "4 个查询头无法平分 3 个键/值头")),
        hint=t("Check both embed_dim % num_heads and num_heads % num_kv_heads in __init__.",
               "在 __init__ 中同时检查 embed_dim % num_heads 和 num_heads % num_kv_heads。"),
    ),
]

# The statement's worked example; reports and the site draw its attention weights.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """Output (1, L, E) -> the (heads, Lq, Lk) weights it spells out (see the module docstring).

    GroupedQueryAttention returns only its output; the example's inputs make
    features [3h, 3h + 3) of row i equal head h's weights of query i.
    """
    return value[0].reshape(L, E // HEAD_DIM, HEAD_DIM)[:, :, :L].transpose(0, 1)
