"""Toy models and prompts for the beam_search cases, drawn until they show what a case is about.

Each case draws the table of a toy language model
(:mod:`grader.sandbox.toy_models`) and its prompts from the case's seeded
generator, and keeps the first draw on which

- no decision of the search comes within :data:`MARGIN` of a tie: the score
  gap at every ranking boundary that changes the result (the top ``num_beams``
  for eos candidates, the ``num_beams`` live beams, the winner) is at least
  1e-3, for the correct search and for every misconception variant, so that
  ranking ties never decide a test (problems.md) and a learner's version of a
  catalogued mistake returns what ours returns;
- the case's own requirements hold (hypotheses finishing at several steps,
  rows stopping at different steps, a given mistake changing the winner...).

The searches run with :func:`grader.misconceptions._beam.search`, which the
project's tests check against the reference. Trusted side only.
"""

from __future__ import annotations

from typing import Callable

import torch

from grader.misconceptions._beam import Trace, search
from grader.misconceptions.beam_search import MISTAKES
from grader.sandbox import toy_models
from grader.sandbox.messages import Invocation

V = 6  # vocabulary size of most toy models
EOS = 3  # the eos token of every case that has one (not 0: padding with zeros must show)
ROWS = 17  # table rows of a context-hashing model (a prime, so that hashes spread)
MARGIN = 1e-3  # the smallest score gap allowed at a decision
ATTEMPTS = 400  # draws tried before a case gives up (never reached at the tested seeds)

Requirement = Callable[[Trace], bool]

# An uncatalogued mistake that a case is drawn to expose too (keywords of `search`):
# placeholder beams scored -1e9 fill the beam when fewer real candidates exist.
DUMMY_BEAMS = {"dummy_beams": True}


class NoSuitableDraw(RuntimeError):
    """No draw of a case's inputs met its requirements (a case that asks for too much)."""


def table(rng: torch.Generator, *, vocab: int = V, rows: int = ROWS, scale: float = 1.5,
          eos_bias: float = 0.0) -> torch.Tensor:
    """Random float64 logits ``(rows, vocab)``; ``eos_bias`` makes eos more (or less) likely."""
    logits = torch.randn(rows, vocab, generator=rng, dtype=torch.float64) * scale
    if eos_bias:
        logits[:, EOS] += eos_bias
    return logits


def context_model(rng: torch.Generator, *, block_size: int = 32, dtype: str = "float64",
                  **table_options) -> dict:
    """A model whose next-token logits depend on the order of every token it sees."""
    return toy_models.table_model(table(rng, **table_options), block_size, window=None, mult=3,
                                  shift=1, dtype=dtype)


def prompt(rng: torch.Generator, batch: int, length: int, *, vocab: int = V) -> torch.Tensor:
    """Prompts ``(batch, length)`` of non-eos tokens."""
    tokens = torch.tensor([v for v in range(vocab) if v != EOS])
    return tokens[torch.randint(len(tokens), (batch, length), generator=rng)]


def settings(invocation: Invocation) -> dict:
    """The search's arguments, by name, from an invocation built by the cases."""
    prompt_ids, max_new_tokens, num_beams = invocation.args
    return {"prompt": prompt_ids, "max_new_tokens": max_new_tokens, "num_beams": num_beams,
            "eos_token_id": invocation.kwargs.get("eos_token_id"),
            "length_penalty": invocation.kwargs.get("length_penalty", 1.0)}


def run(invocation: Invocation, mistake: dict | None = None, trace: Trace | None = None):
    """(sequences, scores) of the correct search, or of one mistake's, on the case's inputs."""
    model = toy_models.build(invocation.model)
    return search(model, **settings(invocation), **(mistake or {}), trace=trace)


def _differ(a, b, *, winners_only: bool) -> bool:
    if a[0].shape != b[0].shape or not torch.equal(a[0], b[0]):
        return True
    return not winners_only and not torch.allclose(a[1], b[1], rtol=1e-6, atol=1e-6)


def suits(invocation: Invocation, *, require: tuple[Requirement, ...] = (),
          wrong: tuple[str, ...] = (), wrong_winner: tuple[str, ...] = (),
          apart: tuple[tuple[str, str], ...] = (), also_wrong: tuple[dict, ...] = ()) -> bool:
    """Whether a draw keeps every margin and shows what its case is about.

    Args:
        require: predicates on the correct search's :class:`Trace`.
        wrong: misconception IDs whose variant must return another result.
        wrong_winner: misconception IDs whose variant must return another winner
            (not only another score).
        apart: pairs of misconception IDs whose variants must return different results.
        also_wrong: uncatalogued mistakes (keywords of ``search``) that must
            return another result.
    """
    trace = Trace()
    results = {None: run(invocation, trace=trace)}
    if trace.margin < MARGIN or not all(requirement(trace) for requirement in require):
        return False
    for mid, mistake in MISTAKES.items():
        mistaken_trace = Trace()
        results[mid] = run(invocation, mistake, mistaken_trace)
        if mistaken_trace.margin < MARGIN:
            return False
    correct = results[None]
    if not all(_differ(run(invocation, mistake), correct, winners_only=False)
               for mistake in also_wrong):
        return False
    return (all(_differ(results[mid], correct, winners_only=False) for mid in wrong)
            and all(_differ(results[mid], correct, winners_only=True) for mid in wrong_winner)
            and all(_differ(results[a], results[b], winners_only=False) for a, b in apart))


def draw(rng: torch.Generator, make: Callable[[torch.Generator], Invocation], **wanted) -> Invocation:
    """The first invocation ``make(rng)`` returns that :func:`suits` the case (see there)."""
    for _ in range(ATTEMPTS):
        invocation = make(rng)
        if suits(invocation, **wanted):
            return invocation
    raise NoSuitableDraw(f"no suitable inputs in {ATTEMPTS} draws")


# ----------------------------------------------------------------------------- requirements

def finishes_at_several_steps(trace: Trace) -> bool:
    """Some row finishes hypotheses at two steps or more, and rows first finish at different steps."""
    firsts = {row.finished_at[0] for row in trace.rows if row.finished_at}
    return len(firsts) >= 2 and any(len(set(row.finished_at)) >= 2 for row in trace.rows)


def rows_stop_apart(trace: Trace) -> bool:
    """The rows ran different numbers of steps, and one ran them all."""
    steps = [row.steps for row in trace.rows]
    return len(set(steps)) >= 2 and any(not row.stopped_early for row in trace.rows)


def stops_early(trace: Trace) -> bool:
    return any(row.stopped_early for row in trace.rows)


def live_beam_wins_early_stop(trace: Trace) -> bool:
    """A row stopped early and its winner is one of the live beams of that step."""
    return any(row.stopped_early and not row.winner_finished for row in trace.rows)


def live_beam_wins_last_step(trace: Trace) -> bool:
    """A row ran every step, had finished hypotheses, and a live beam won."""
    return any(row.finished_at and not row.stopped_early and not row.winner_finished
               for row in trace.rows)


def finished_winner(trace: Trace) -> bool:
    return any(row.winner_finished for row in trace.rows)


def winners_differ_in_length(trace: Trace) -> bool:
    """Some winner is shorter than another (so it is padded with eos)."""
    return len({row.winner_length for row in trace.rows}) >= 2


def every_winner_goes_on(trace: Trace) -> bool:
    """No row's winner stops at its first token (so an eos in the prompt cannot pass for one)."""
    return all(row.winner_length >= 2 for row in trace.rows)


def eos_after(spec: dict, prompt: torch.Tensor, margin: float = 1.0) -> dict:
    """``spec`` with eos made the most likely token right after each prompt row."""
    table = spec["table"].clone()
    rows = toy_models.build(spec).rows(prompt)[:, -1]  # the table row read after each prompt
    table[rows, EOS] = table[rows].max(dim=-1).values + margin
    return {**spec, "table": table}
