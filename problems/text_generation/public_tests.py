"""Public tests for text_generation (run by `attn-judge check`).

The models are tiny tables of logits (see grader/sandbox/toy_models.py), so you
can work every expected token out by hand. The hidden tests use other tables,
batch sizes and block sizes, check sampling by its distribution, and check how
the loop calls the model (context length, one call per step, torch.no_grad()).
"""

import torch

from grader.cases import generate_call, public_case
from grader.i18n import t
from grader.sandbox.toy_models import table_model

# Vocabulary of the worked example: 0 <eos>, 1 "the", 2 "cat", 3 "sat", 4 "down".
# A bigram model (window=1): the logits of the next token are the row of the current one.
BIGRAM = table_model([
    [0.0, 3.0, 1.0, 0.0, 0.0],   # after <eos>
    [0.0, -1.0, 2.0, 1.0, 1.0],  # after "the"
    [0.0, 0.5, -1.0, 2.5, 1.5],  # after "cat"
    [1.0, 0.5, 0.0, -1.0, 2.0],  # after "sat"
    [2.0, 1.0, 0.0, 1.0, -1.0],  # after "down"
], block_size=4, window=1)

# Row r is one-hot at (r + 2) % 5, and the row is (sum of the tokens the model sees) % 5:
# the greedy next token is (sum of the last block_size = 3 tokens + 2) % 5.
SUM_OF_CONTEXT = table_model(
    [[1.0 if v == (r + 2) % 5 else 0.0 for v in range(5)] for r in range(5)], block_size=3)

# Every row is the same: tokens 1, 3 and 4 share the largest logit.
TIED = table_model([[1.0, 2.0, 0.0, 2.0, 2.0]] * 5, block_size=4, window=1)

TESTS = [
    public_case(
        "P1", t("worked example: greedy decoding stops at eos", "算例：贪心解码在 eos 处停止"),
        generate_call("generate", BIGRAM, torch.tensor([[1]]), 5, temperature=0.0, eos_token_id=0),
        # the -> cat -> sat -> down -> <eos>: every row is finished after 4 steps.
        expected=torch.tensor([[1, 2, 3, 4, 0]]),
        hint=t("temperature 0: take the argmax of the last position's logits, append it, repeat.",
               "温度为 0：取最后一个位置 logits 的 argmax，接到序列末尾，重复。"),
    ),
    public_case(
        "P2", t("a finished row is padded with eos while the others go on", "已结束的行用 eos 填充，其余行继续生成"),
        generate_call("generate", BIGRAM, torch.tensor([[1], [3]]), 6, temperature=0.0,
                      eos_token_id=0),
        # Row 1 finishes after 2 steps; on its own the model would continue with "the".
        expected=torch.tensor([[1, 2, 3, 4, 0], [3, 4, 0, 0, 0]]),
        hint=t("Once a row has generated eos, every later token of that row is eos.",
               "某一行生成 eos 之后，这一行之后的每个词元都是 eos。"),
    ),
    public_case(
        "P3", t("the model sees only the last block_size tokens", "模型只看到最后 block_size 个词元"),
        generate_call("generate", SUM_OF_CONTEXT, torch.tensor([[1, 2, 3]]), 4, temperature=0.0),
        # (1+2+3+2)%5 = 3, (2+3+3+2)%5 = 0, (3+3+0+2)%5 = 3, (3+0+3+2)%5 = 3.
        expected=torch.tensor([[1, 2, 3, 3, 0, 3, 3]]),
        hint=t("Feed model(ids[:, -model.block_size:]); the whole sequence gives other tokens.",
               "送入 model(ids[:, -model.block_size:])；送入整个序列会得到别的词元。"),
    ),
    public_case(
        "P4", t("greedy ties go to the first index", "贪心遇到并列时取第一个下标"),
        generate_call("generate", TIED, torch.tensor([[4]]), 3, temperature=0.0),
        expected=torch.tensor([[4, 1, 1, 1]]),
        hint=t("torch.argmax returns the first of several equal maxima.",
               "torch.argmax 在多个相等的最大值中返回第一个。"),
    ),
    public_case(
        "P5", t("top_k = 1 leaves one token to draw", "top_k = 1 只留下一个可抽的词元"),
        generate_call("generate", BIGRAM, torch.tensor([[2]]), 4, top_k=1, generator_seed=0),
        expected=torch.tensor([[2, 3, 4, 0, 1]]),
        hint=t("After top_k every logit below the k-th largest is -inf, so its probability is 0.",
               "top_k 之后，小于第 k 大值的 logits 都是 -inf，它们的概率为 0。"),
    ),
    public_case(
        "P6", t("a tiny top_p still keeps the most likely token", "很小的 top_p 也会保留最可能的词元"),
        generate_call("generate", BIGRAM, torch.tensor([[2, 2]]), 4, temperature=2.0, top_p=0.05,
                      generator_seed=0),
        expected=torch.tensor([[2, 2, 3, 4, 0, 1]]),
        hint=t("The token whose probability makes the running total reach top_p is always kept.",
               "使累计概率达到 top_p 的那个词元总会被保留。"),
    ),
]

# The statement's worked example; reports and the site show its token ids.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(B, T0 + steps) token ids -> the token ids of the first sequence."""
    return value[0]
