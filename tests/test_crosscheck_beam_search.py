"""The beam_search reference against independent, deliberately naive computations.

- Exhaustive search: with ``num_beams >= V ** max_new_tokens`` nothing is ever
  dropped, so the winner is the best of every hypothesis the rules allow (every
  continuation of length ``max_new_tokens`` without eos, and every shorter one
  that ends at its first eos), scored with the same length penalty.
- A plain-Python beam search written from the contract alone (tuples,
  ``heapq.nlargest``, a softmax by hand) over random tables, with and without eos.
- The misconception core with no mistake switched on returns what the
  reference returns on every hidden case; every hidden case keeps the 1e-3
  margin at every decision, for the reference and every variant, and shows
  what it is named after.
- The case checks judge crafted outcomes as they should.
"""

from __future__ import annotations

import heapq
import itertools
import math

import pytest
import torch

from grader.checks import CheckContext
from grader.grading import case_generator
from grader.hidden import beam_search as hidden
from grader.hidden.beam_search import checks, models
from grader.misconceptions._beam import Trace, search
from grader.misconceptions.beam_search import MISTAKES, VARIANTS
from grader.references import solution_module
from grader.sandbox import toy_models
from grader.sandbox.execute import execute
from grader.sandbox.messages import Outcome

SEEDS = [0, 1, 12345]


@pytest.fixture(scope="module")
def reference():
    return solution_module("beam_search")


def _model(seed, *, vocab, block_size, dtype="float64", rows=13):
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(rows, vocab, generator=g, dtype=torch.float64) * 1.5
    return toy_models.build(toy_models.table_model(table, block_size, window=None, mult=3, shift=1,
                                                   dtype=dtype))


def _log_p(model, context):
    """log p of every next token after ``context`` (a tuple), by hand in float64."""
    logits = model(torch.tensor([context[-model.block_size:]]))[0, -1].double().tolist()
    log_total = math.log(math.fsum(math.exp(z) for z in logits))
    return [z - log_total for z in logits]


def _hypotheses(vocab, steps, eos):
    """Every hypothesis the rules allow: n = steps without eos, or ending at its first eos."""
    plain = [v for v in range(vocab) if v != eos]
    if eos is not None:
        for length in range(1, steps + 1):
            for body in itertools.product(plain, repeat=length - 1):
                yield body + (eos,)
    yield from itertools.product(plain, repeat=steps)


def _exhaustive(model, prompt_row, steps, eos, length_penalty):
    """The best (final score, hypothesis) over every allowed hypothesis."""
    best = None
    for hypothesis in _hypotheses(model.vocab_size, steps, eos):
        context, score = tuple(prompt_row), 0.0
        for token in hypothesis:
            score += _log_p(model, context)[token]
            context += (token,)
        final = score / len(hypothesis) ** length_penalty
        if best is None or final > best[0]:
            best = (final, hypothesis)
    return best


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("eos", [None, 0, 2])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0, 2.0])
def test_enough_beams_give_the_exhaustive_optimum(reference, seed, eos, length_penalty):
    vocab, steps = 3, 4
    model = _model(seed, vocab=vocab, block_size=4)  # the context is cropped from step 3 on
    prompt = torch.randint(0, vocab, (2, 2), generator=torch.Generator().manual_seed(seed + 7))
    sequences, scores = reference.beam_search(model, prompt, steps, vocab ** steps,
                                              eos_token_id=eos, length_penalty=length_penalty)
    assert sequences.dtype == torch.int64 and scores.dtype == torch.float64
    for row in range(2):
        final, hypothesis = _exhaustive(model, prompt[row].tolist(), steps, eos, length_penalty)
        generated = sequences[row, 2:].tolist()
        if eos is not None and eos in generated:  # drop the padding after the first eos
            generated = generated[: generated.index(eos) + 1]
        assert tuple(generated) == hypothesis
        assert float(scores[row]) == pytest.approx(final, rel=1e-12, abs=1e-12)


def _beam_by_hand(model, prompt_row, steps, num_beams, eos, length_penalty):
    """Beam search from the contract alone: tuples of tokens and heapq.nlargest."""
    beams, finished = [(0.0, ())], []
    for _ in range(steps):
        candidates = [(score + log_p, generated + (token,))
                      for score, generated in beams
                      for token, log_p in enumerate(_log_p(model, tuple(prompt_row) + generated))]
        top = heapq.nlargest(num_beams, candidates, key=lambda c: c[0])
        finished += [c for c in top if c[1][-1] == eos]
        beams = heapq.nlargest(num_beams, [c for c in candidates if c[1][-1] != eos],
                               key=lambda c: c[0])
        if len(finished) >= num_beams:
            break
    pool = [(s / len(y) ** length_penalty, 0, y) for s, y in finished]
    pool += [(s / len(y) ** length_penalty, 1, y) for s, y in beams]
    final, _, hypothesis = min(pool, key=lambda c: (-c[0], c[1]))  # finished first on a tie
    return final, hypothesis


@pytest.mark.parametrize("seed", range(8))
def test_reference_matches_a_plain_python_search(reference, seed):
    g = torch.Generator().manual_seed(100 + seed)
    vocab = 4 + seed % 3
    model = _model(seed, vocab=vocab, block_size=3 + seed % 4, dtype=("float32", "float64")[seed % 2])
    steps, num_beams = 3 + seed % 4, 1 + seed % 4
    eos = None if seed % 4 == 3 else seed % vocab
    length_penalty = (0.0, 0.5, 1.0, 2.0)[seed % 4]
    prompt = torch.randint(0, vocab, (3, 1 + seed % 3), generator=g)
    sequences, scores = reference.beam_search(model, prompt, steps, num_beams, eos_token_id=eos,
                                              length_penalty=length_penalty)
    T0 = prompt.shape[1]
    lengths = []
    for row in range(3):
        final, hypothesis = _beam_by_hand(model, prompt[row].tolist(), steps, num_beams, eos,
                                          length_penalty)
        assert sequences[row, T0:T0 + len(hypothesis)].tolist() == list(hypothesis)
        assert sequences[row, T0 + len(hypothesis):].tolist() == [eos] * (
            sequences.shape[1] - T0 - len(hypothesis))
        assert float(scores[row]) == pytest.approx(final, rel=1e-12, abs=1e-12)
        lengths.append(len(hypothesis))
    assert sequences.shape[1] == T0 + max(lengths)


@pytest.mark.parametrize("seed", SEEDS)
def test_correct_core_of_the_misconceptions_is_the_reference(reference, seed):
    namespace = {"beam_search": search}
    for case in hidden.CASES:
        invocation = case.make(case_generator(seed, "beam_search", case.number))
        ours = execute(namespace, invocation)
        theirs = execute({"beam_search": reference.beam_search}, invocation)
        if theirs.error:
            assert ours.error and ours.error.type == theirs.error.type == "ValueError", case.number
            continue
        assert torch.equal(ours.value[0], theirs.value[0]), case.number
        assert torch.allclose(ours.value[1], theirs.value[1], rtol=1e-12, atol=1e-12), case.number


@pytest.mark.parametrize("seed", SEEDS)
def test_no_decision_comes_near_a_tie(seed):
    """Every hidden case keeps a 1e-3 gap at each decision, for the search and every variant."""
    for case in hidden.CASES:
        invocation = case.make(case_generator(seed, "beam_search", case.number))
        if invocation.args[1] < 0 or invocation.args[2] < 1:
            continue  # the ValueError cases search nothing
        for mistake in [{}] + list(MISTAKES.values()):
            trace = Trace()
            models.run(invocation, mistake, trace)
            assert trace.margin >= models.MARGIN, (case.number, mistake)


@pytest.mark.parametrize("seed", SEEDS)
def test_cases_show_what_they_are_about(seed):
    def trace_of(number):
        case = next(c for c in hidden.CASES if c.number == number)
        invocation = case.make(case_generator(seed, "beam_search", case.number))
        trace = Trace()
        models.run(invocation, trace=trace)
        return invocation, trace

    invocation, trace = trace_of("14.3")
    assert models.finishes_at_several_steps(trace)
    invocation, trace = trace_of("14.7")
    assert len({row.steps for row in trace.rows}) >= 2
    invocation, trace = trace_of("14.9")
    assert any(row.stopped_early and not row.winner_finished for row in trace.rows)
    invocation, trace = trace_of("14.11")
    assert len({row.winner_length for row in trace.rows}) >= 2
    invocation, _ = trace_of("14.12")
    prompt, steps, num_beams = invocation.args
    assert num_beams >= invocation.model["table"].shape[1] ** steps
    assert "eos_token_id" not in invocation.kwargs
    invocation, trace = trace_of("14.16")
    longest = invocation.args[0].shape[1] + max(row.steps for row in trace.rows)
    assert longest > invocation.model["block_size"]
    invocation, trace = trace_of("14.15")
    assert (invocation.args[0] == models.EOS).any(dim=1).all()
    assert all(row.winner_length >= 2 for row in trace.rows)
    invocation, _ = trace_of("14.14")
    assert invocation.model["dtype"] == "float32"
    invocation, _ = trace_of("14.21")  # placeholder beams scored -1e9 change the result
    assert invocation.args[2] > invocation.model["table"].shape[1]
    correct, padded = models.run(invocation), models.run(invocation, models.DUMMY_BEAMS)
    assert not torch.equal(correct[0], padded[0]) or not torch.equal(correct[1], padded[1])


def _context(invocation, candidate, expected):
    return CheckContext(invocation, candidate, expected)


def test_scores_are_compared_at_the_logits_dtype_tolerance(reference):
    for dtype, passes in (("float32", True), ("float64", False)):
        table = torch.randn(5, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
        spec = toy_models.table_model(table, 8, window=1, dtype=dtype)
        invocation = hidden._search(spec, torch.tensor([[1, 2]]), 3, 2)
        expected = execute({"beam_search": reference.beam_search}, invocation)
        sequences, scores = expected.value
        nearly = Outcome(value=(sequences, scores * (1 + 1e-6)))
        assert checks.winners()(_context(invocation, nearly, expected)).passed is passes
        assert checks.similar_winners(nearly, expected, dtype=getattr(torch, dtype)) is passes


def test_exhaustive_check_rejects_a_worse_winner(reference):
    g = torch.Generator().manual_seed(0)
    invocation = hidden._exhaustive(g)
    expected = execute({"beam_search": reference.beam_search}, invocation)
    assert checks.exhaustive_optimum()(_context(invocation, expected, expected)).passed
    worse = execute(VARIANTS["beam.duplicate_start"][0], invocation)  # greedy
    if not torch.equal(worse.value[0], expected.value[0]):
        assert not checks.exhaustive_optimum()(_context(invocation, worse, expected)).passed


def test_loop_check_reads_the_model_statistics(reference):
    invocation = hidden._crop(torch.Generator().manual_seed(0))
    expected = execute({"beam_search": reference.beam_search}, invocation)
    assert expected.stats["over_length_calls"] == 0 and expected.stats["grad_enabled_calls"] == 0
    fed_everything = Outcome(value=expected.value, stats={**expected.stats, "over_length_calls": 3,
                                                          "max_len": 8})
    assert not checks.model_calls(crop=True)(_context(invocation, fed_everything, expected)).passed
    with_grad = Outcome(value=expected.value, stats={**expected.stats, "grad_enabled_calls": 2})
    assert not checks.model_calls(no_grad=True)(_context(invocation, with_grad, expected)).passed
    assert checks.model_calls(crop=True, no_grad=True)(_context(invocation, expected, expected)).passed


def test_malformed_results_are_named(reference):
    invocation = hidden._no_grad(torch.Generator().manual_seed(0))
    expected = execute({"beam_search": reference.beam_search}, invocation)
    sequences, scores = expected.value
    for value in (sequences, (sequences.int(), scores), (sequences, scores.float()),
                  (sequences[:, 1:], scores), (sequences, scores[:1])):
        verdict = checks.winners()(_context(invocation, Outcome(value=value), expected))
        assert not verdict.passed and verdict.message.zh
