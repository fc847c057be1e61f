"""Public tests for beam_search (run by `attn-judge check`).

The model is a tiny bigram table of logits (see grader/sandbox/toy_models.py),
so every score can be worked out by hand: the statement does it for the first
test. The hidden tests use models whose logits depend on the whole visible
context, batches whose rows stop at different steps, other length penalties,
float32 and float64 logits, an exhaustive-search comparison, and check that
the model never sees more than block_size tokens and runs without autograd.
"""

import torch

from grader.cases import generate_call, public_case
from grader.checks import raises
from grader.i18n import t
from grader.sandbox.toy_models import table_model

# Vocabulary of the worked example: 0 <eos>, 1 "the", 2 "cat", 3 "dog", 4 "ran".
# A bigram model (window=1): the logits of the next token are the row of the current one.
BIGRAM = table_model([
    [0.0, 1.0, 0.0, -0.5, -1.0],    # after <eos>
    [-2.0, -2.5, 1.2, 1.0, -1.0],   # after "the"
    [1.0, -1.0, -2.0, -1.5, 0.3],   # after "cat"
    [-1.0, -2.0, -2.5, -3.0, 2.5],  # after "dog"
    [1.5, 0.5, -1.0, -0.5, -2.0],   # after "ran"
], block_size=8, window=1)


def _scores(*values):
    return torch.tensor(values, dtype=torch.float64)


TESTS = [
    public_case(
        "P1", t("worked example: two beams find a better sentence than greedy",
                "示例：两个束找到了比贪心更好的句子"),
        generate_call("beam_search", BIGRAM, torch.tensor([[1]]), 4, 2, eos_token_id=0),
        # "the dog ran <eos>": (-0.8907 - 0.0508 - 0.4796) / 3; the row stops after step 3,
        # when "the cat <eos>" and "the dog ran <eos>" are finished.
        expected=(torch.tensor([[1, 3, 4, 0]]), _scores(-0.4737)),
        hint=t("Rank all candidates of a step together, and compare finished hypotheses by "
               "s / n ** length_penalty.",
               "把一步的所有候选放在一起排序，已结束的假设按 s / n ** length_penalty 比较。"),
    ),
    public_case(
        "P2", t("length_penalty = 0 prefers the short hypothesis", "length_penalty = 0 偏向短的假设"),
        generate_call("beam_search", BIGRAM, torch.tensor([[1]]), 4, 2, eos_token_id=0,
                      length_penalty=0.0),
        # Raw sums: "the cat <eos>" -1.2581 beats "the dog ran <eos>" -1.4211.
        expected=(torch.tensor([[1, 2, 0]]), _scores(-1.2581)),
        hint=t("n ** 0 = 1: the final score is the raw sum of log-probabilities.",
               "n ** 0 = 1：最终分数就是对数概率的原始和。"),
    ),
    public_case(
        "P3", t("one beam is greedy decoding", "一个束就是贪心解码"),
        generate_call("beam_search", BIGRAM, torch.tensor([[1]]), 4, 1, eos_token_id=0),
        # "the" -> "cat" (0.501) -> <eos> (0.567): (-0.6907 - 0.5675) / 2.
        expected=(torch.tensor([[1, 2, 0]]), _scores(-0.6291)),
        hint=t("With num_beams = 1 each step keeps the single best candidate.",
               "num_beams = 1 时每一步只保留最好的一个候选。"),
    ),
    public_case(
        "P4", t("rows are searched on their own; the shorter winner is padded with eos",
                "各行单独搜索；较短的获胜假设用 eos 填充"),
        generate_call("beam_search", BIGRAM, torch.tensor([[1], [3]]), 4, 2, eos_token_id=0),
        # Row 1: "dog ran <eos>" has 2 generated tokens, (-0.0508 - 0.4796) / 2, plus one pad.
        expected=(torch.tensor([[1, 3, 4, 0], [3, 4, 0, 0]]), _scores(-0.4737, -0.2652)),
        hint=t("sequences is (B, T0 + n_max), n_max the longest winner's length; pad the others "
               "with eos_token_id.",
               "sequences 的形状是 (B, T0 + n_max)，n_max 是最长的获胜假设的长度；其他行用 "
               "eos_token_id 填充。"),
    ),
    public_case(
        "P5", t("length_penalty = 2: at an early stop a live beam wins",
                "length_penalty = 2：提前停止时一个活跃的束获胜"),
        generate_call("beam_search", BIGRAM, torch.tensor([[4]]), 4, 2, eos_token_id=0,
                      length_penalty=2.0),
        # After "ran": "<eos>" finishes at step 1 (-0.4796 / 1), "the cat <eos>" at step 3
        # (-2.7378 / 9 = -0.3042), so the row stops there; the live beam "the dog ran" scores
        # -2.4211 / 9 = -0.2690 and wins.
        expected=(torch.tensor([[4, 1, 3, 4]]), _scores(-0.2690)),
        hint=t("When a row stops, its live beams compete with the finished hypotheses, all "
               "scored s / n ** length_penalty.",
               "一行停止时，它的活跃束与已结束的假设一起比较，都用 s / n ** length_penalty 打分。"),
    ),
    public_case(
        "P6", t("num_beams = 0 raises ValueError", "num_beams = 0 时抛出 ValueError"),
        generate_call("beam_search", BIGRAM, torch.tensor([[1]]), 3, 0),
        check=raises("ValueError", why=t("num_beams must be at least 1", "num_beams 至少为 1")),
        hint=t("Check num_beams >= 1 and max_new_tokens >= 0 before searching.",
               "搜索之前检查 num_beams >= 1 和 max_new_tokens >= 0。"),
    ),
]

# The statement's worked example; reports and the site show its token ids.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(sequences, scores) -> the token ids of the first row."""
    return value[0][0]
