"""Toy models and prompts for the hidden cases of text_generation (trusted side only).

Every model is a table of logits (:mod:`grader.sandbox.toy_models`) drawn from
the case's seeded generator, built so that one property of the decoding loop
shows: the whole context matters (a hash of every visible token), greedy ties,
chains that reach eos after a known number of steps, or one designed
next-token distribution sampled thousands of times in a single call.
"""

from __future__ import annotations

import torch

from grader.sandbox import toy_models

V = 8  # vocabulary size of the toy models
DRAWS = 4000  # rows of identical prompts in a distribution case
EOS = 0  # the eos token of the chain models


def _random_table(rng, rows, vocab=V, scale=1.5):
    return torch.randn(rows, vocab, generator=rng, dtype=torch.float64) * scale


def context_model(rng, block_size, rows=13):
    """The next token depends on the order of every visible token (a hash of the context)."""
    return toy_models.table_model(_random_table(rng, rows), block_size, window=None, mult=3, shift=1)


def tied_model(rng, block_size, rows=11):
    """Every row's maximum is shared by two or three tokens."""
    table = _random_table(rng, rows)
    for r in range(rows):
        tied = torch.randperm(V, generator=rng)[: 2 + r % 2]
        table[r, tied] = table[r].max() + 0.5
    return toy_models.table_model(table, block_size, window=None, mult=3, shift=1)


def chain_model(rng, successor, block_size=32):
    """A bigram model whose most likely next token is ``successor[token]``."""
    table = _random_table(rng, V, scale=0.5)
    table[torch.arange(V), torch.tensor(successor)] = table.max() + 1.0
    return toy_models.table_model(table, block_size, window=1)


def chains(rng):
    """A successor map in which every token but eos reaches eos after a known number of steps.

    Returns ``(order, successor)``: ``order`` lists the other tokens so that
    ``order[-n]`` reaches eos in ``n`` steps; after eos the model would go on
    with ``order[0]`` (which a loop that lets finished rows continue shows).
    """
    order = torch.randperm(V - 1, generator=rng).add(1).tolist()  # every token but eos
    successor = [EOS] * V
    successor[EOS] = order[0]
    for a, b in zip(order, order[1:] + [EOS]):
        successor[a] = b
    return order, successor


def designed(rng, probs, temperature=1.0, ties=()):
    """Logits over V tokens whose softmax after ``temperature`` is ``probs``, in random order.

    ``probs`` lists the distribution from the most likely token down; indices in
    each group of ``ties`` get bit-identical logits.
    """
    probs = torch.tensor(probs, dtype=torch.float64)
    probs = probs / probs.sum()
    logits = temperature * probs.log()
    for group in ties:
        logits[list(group)] = float(logits[group[0]])
    order = torch.randperm(V, generator=rng)  # token order[i] gets the i-th probability
    out = torch.empty(V, dtype=torch.float64)
    out[order] = logits
    return out


def sampling_setup(rng, logits, draws=DRAWS, block_size=8):
    """A bigram model and a batch of identical prompts whose next-token logits are ``logits``.

    The prompt's first token selects a different (decoy) row, so a loop reading
    another position than the last samples from another distribution.
    """
    table = _random_table(rng, V)
    first, middle, last = torch.randperm(V, generator=rng)[:3].tolist()
    table[last] = logits
    table[first] = -logits  # the decoy: the designed distribution turned upside down
    model = toy_models.table_model(table, block_size, window=1)
    prompt = torch.tensor([[first, middle, last]]).repeat(draws, 1)
    return model, prompt


def prompt(rng, batch, length):
    """``(batch, length)`` random token ids."""
    return torch.randint(0, V, (batch, length), generator=rng)
