"""Public tests for text_generation (run by `attn-judge check`).

The models are tiny tables of logits (see grader/sandbox/toy_models.py), so you
can work every expected token out by hand. The hidden tests use other tables,
batch sizes and block sizes, check sampling by its distribution, and check how
the loop calls the model (context length, one call per step, torch.no_grad()).
"""

import torch

from grader.cases import generate_call, public_case
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
        "P1", "worked example: greedy decoding stops at eos",
        generate_call("generate", BIGRAM, torch.tensor([[1]]), 5, temperature=0.0, eos_token_id=0),
        # the -> cat -> sat -> down -> <eos>: every row is finished after 4 steps.
        expected=torch.tensor([[1, 2, 3, 4, 0]]),
        hint="temperature 0: take the argmax of the last position's logits, append it, repeat.",
    ),
    public_case(
        "P2", "a finished row is padded with eos while the others go on",
        generate_call("generate", BIGRAM, torch.tensor([[1], [3]]), 6, temperature=0.0,
                      eos_token_id=0),
        # Row 1 finishes after 2 steps; on its own the model would continue with "the".
        expected=torch.tensor([[1, 2, 3, 4, 0], [3, 4, 0, 0, 0]]),
        hint="Once a row has generated eos, every later token of that row is eos.",
    ),
    public_case(
        "P3", "the model sees only the last block_size tokens",
        generate_call("generate", SUM_OF_CONTEXT, torch.tensor([[1, 2, 3]]), 4, temperature=0.0),
        # (1+2+3+2)%5 = 3, (2+3+3+2)%5 = 0, (3+3+0+2)%5 = 3, (3+0+3+2)%5 = 3.
        expected=torch.tensor([[1, 2, 3, 3, 0, 3, 3]]),
        hint="Feed model(ids[:, -model.block_size:]); the whole sequence gives other tokens.",
    ),
    public_case(
        "P4", "greedy ties go to the first index",
        generate_call("generate", TIED, torch.tensor([[4]]), 3, temperature=0.0),
        expected=torch.tensor([[4, 1, 1, 1]]),
        hint="torch.argmax returns the first of several equal maxima.",
    ),
    public_case(
        "P5", "top_k = 1 leaves one token to draw",
        generate_call("generate", BIGRAM, torch.tensor([[2]]), 4, top_k=1, generator_seed=0),
        expected=torch.tensor([[2, 3, 4, 0, 1]]),
        hint="After top_k every logit below the k-th largest is -inf, so its probability is 0.",
    ),
    public_case(
        "P6", "a tiny top_p still keeps the most likely token",
        generate_call("generate", BIGRAM, torch.tensor([[2, 2]]), 4, temperature=2.0, top_p=0.05,
                      generator_seed=0),
        expected=torch.tensor([[2, 2, 3, 4, 0, 1]]),
        hint="The token whose probability makes the running total reach top_p is always kept.",
    ),
]

# The statement's worked example; reports and the site show its token ids.
EXAMPLE = TESTS[0].make(None)


def example_figure(value):
    """(B, T0 + steps) token ids -> the token ids of the first sequence."""
    return value[0]
