"""The text_generation reference against independent, deliberately naive computations.

Greedy decoding is compared with a plain Python loop over lists; the top-k and
top-p masks with set constructions in float64; the toy model's hash with a
direct sum. The hidden cases' designed distributions are checked to keep the
margins their docstring promises, at several seeds.
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.grading import case_generator
from grader.hidden.text_generation import CASES
from grader.hidden.text_generation.checks import settings_of
from grader.hidden.text_generation.models import DRAWS
from grader.hidden.text_generation.sampling import keep_nucleus, keep_top_k, next_token_probs
from grader.misconceptions._generation import decode
from grader.references import solution_module
from grader.sandbox import toy_models
from grader.sandbox.execute import execute
from grader.sandbox.protocol import decode as unwire, encode as wire

SEEDS = [0, 1, 12345]


@pytest.fixture(scope="module")
def reference():
    return solution_module("text_generation")


def _model(seed, *, block_size, vocab=7, rows=11, **options):
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(rows, vocab, generator=g, dtype=torch.float64)
    return toy_models.build(toy_models.table_model(table, block_size, **options))


def _python_rows(model, ids):
    """The toy model's hash, one position at a time."""
    R, out = model.table.shape[0], []
    for seq in ids.tolist():
        row = []
        for t in range(len(seq)):
            width = t + 1 if model.window is None else min(model.window, t + 1)
            row.append(sum(model.mult ** d * (seq[t - d] + model.shift) for d in range(width)) % R)
        out.append(row)
    return out


def _greedy_by_hand(model, prompt, steps, eos=None):
    """Brute force: one sequence at a time, argmax by hand (first index on ties)."""
    results = []
    for seq in prompt.tolist():
        seq, finished = list(seq), False
        for _ in range(steps):
            if finished:
                seq.append(eos)
                continue
            context = torch.tensor([seq[-model.block_size:]])
            logits = model.logits(context)[0, -1].tolist()
            best = max(range(len(logits)), key=lambda i: (logits[i], -i))
            seq.append(best)
            finished = eos is not None and best == eos
        results.append(seq)
    return results


@pytest.mark.parametrize("window,mult,shift", [(None, 3, 1), (None, 1, 0), (1, 1, 0), (3, 2, 1)])
def test_toy_model_hash(window, mult, shift):
    model = _model(0, block_size=50, window=window, mult=mult, shift=shift)
    ids = torch.randint(0, 7, (3, 9), generator=torch.Generator().manual_seed(1))
    assert model.rows(ids).tolist() == _python_rows(model, ids)
    logits = model(ids)
    assert logits.dtype == torch.float32 and logits.shape == (3, 9, 7)
    assert torch.equal(logits, model.table[model.rows(ids)].float())


def test_toy_model_records_its_calls():
    model = _model(0, block_size=4)
    model(torch.zeros(2, 3, dtype=torch.int64))
    with torch.no_grad():
        model(torch.zeros(5, 6, dtype=torch.int64))  # over block_size: answered, and counted
    stats = model.stats()
    assert stats["calls"] == 2 and stats["max_len"] == 6 and stats["over_length_calls"] == 1
    assert stats["grad_enabled_calls"] == 1 and stats["batch_sizes"] == [2, 5]
    assert stats["lengths"] == [3, 6]
    with pytest.raises(TypeError):
        model(torch.zeros(2, 3, dtype=torch.int32))
    assert next(model.parameters()).device.type == "cpu"


def test_model_spec_crosses_the_wire():
    spec = toy_models.table_model(torch.randn(5, 4, dtype=torch.float64), 3, window=None, mult=3)
    again = unwire(wire(spec))
    ids = torch.tensor([[1, 2, 3, 0, 1]])
    assert torch.equal(toy_models.build(spec)(ids), toy_models.build(again)(ids))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block_size,t0,steps", [(16, 3, 6), (4, 2, 9), (3, 7, 5)])
def test_greedy_matches_brute_force(reference, seed, block_size, t0, steps):
    model = _model(seed, block_size=block_size, mult=3, shift=1)
    prompt = torch.randint(0, 7, (4, t0), generator=torch.Generator().manual_seed(seed + 1))
    out = reference.generate(model, prompt, steps, temperature=0.0)
    assert out.dtype == torch.int64 and out.tolist() == _greedy_by_hand(model, prompt, steps)


@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_with_ties_and_eos_matches_brute_force(reference, seed):
    g = torch.Generator().manual_seed(seed)
    table = torch.randint(-2, 3, (11, 6), generator=g).double()  # integer logits: many ties
    model = toy_models.build(toy_models.table_model(table, 5, mult=3, shift=1))
    prompt = torch.randint(0, 6, (6, 2), generator=g)
    out = reference.generate(model, prompt, 10, temperature=0.0, eos_token_id=2)
    expected = _greedy_by_hand(model, prompt, 10, eos=2)
    steps = out.shape[1] - 2
    assert out.tolist() == [row[: 2 + steps] for row in expected]
    if all(2 in row[2:] for row in expected):  # stop right after the last row finishes
        assert steps == 1 + max(row[2:].index(2) for row in expected)
    else:
        assert steps == 10


def _kept_top_k(row, k):
    """Set construction: indices whose logit is >= the k-th largest (float64, Python)."""
    kth = sorted(row, reverse=True)[min(k, len(row)) - 1]
    return {i for i, z in enumerate(row) if z >= kth}


def _kept_top_p(row, top_p):
    """Set construction: smallest most-likely prefix reaching top_p, plus ties with its last."""
    m = max(row)
    weights = [math.exp(z - m) for z in row]
    total = sum(weights)
    probs = [w / total for w in weights]
    running, last = 0.0, None
    for p in sorted(probs, reverse=True):
        running += p
        last = p
        if running >= top_p:
            break
    return {i for i, p in enumerate(probs) if p >= last}, probs


def _tied_logits(g, rows, vocab):
    """float64 logits with exact ties: values on a coarse grid."""
    return torch.randint(-6, 7, (rows, vocab), generator=g).double() / 2


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 20])
def test_top_k_mask_matches_set_construction(reference, k):
    g = torch.Generator().manual_seed(k)
    logits = _tied_logits(g, 50, 8)
    masked = reference._keep_top_k(logits, k)
    for row, out in zip(logits.tolist(), masked):
        kept = {i for i, z in enumerate(out.tolist()) if z != float("-inf")}
        assert kept == _kept_top_k(row, k)
        assert len(kept) >= min(k, 8)


@pytest.mark.parametrize("top_p", [0.01, 0.3, 0.5, 0.75, 0.9, 0.999])
def test_top_p_mask_matches_set_construction(reference, top_p):
    g = torch.Generator().manual_seed(int(top_p * 1000))
    logits = _tied_logits(g, 200, 8)
    masked = reference._keep_nucleus(logits, top_p)
    checked = 0
    for row, out in zip(logits.tolist(), masked):
        kept, probs = _kept_top_p(row, top_p)
        running = torch.tensor(sorted(probs, reverse=True), dtype=torch.float64).cumsum(0)
        if bool(((running - top_p).abs() < 1e-9).any()):
            continue  # an exact tie with top_p: float rounding decides, the tests avoid it
        checked += 1
        assert {i for i, z in enumerate(out.tolist()) if z != float("-inf")} == kept
        assert kept  # never fewer than one
    assert checked > 150


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_trusted_filter_is_the_references(reference, dtype):
    """The filter the checks and the misconception references share masks what the reference does."""
    g = torch.Generator().manual_seed(11)
    logits = _tied_logits(g, 200, 8).to(dtype)
    for k in (1, 2, 3, 5, 8, 20):
        assert torch.equal(keep_top_k(logits, k), reference._keep_top_k(logits, k))
    for top_p in (0.01, 0.3, 0.5, 0.75, 0.9, 0.999, 0.9999999):
        assert torch.equal(keep_nucleus(logits, top_p), reference._keep_nucleus(logits, top_p))


def test_top_p_of_one_keeps_everything(reference):
    """top_p = 1 is no filter, even when a float running total reaches 1 before the tail."""
    logits = torch.tensor([[10.0, 0.0, -30.0, -60.0]], dtype=torch.float64).expand(500, 4)
    sorted_probs = torch.softmax(logits[0], -1)
    assert float(sorted_probs[:2].sum()) == 1.0  # a naive cut would drop tokens 2 and 3
    ours = reference._next_token(logits, 1.0, None, 1.0, torch.Generator().manual_seed(0))
    plain = reference._next_token(logits, 1.0, None, None, torch.Generator().manual_seed(0))
    assert torch.equal(ours, plain)


@pytest.mark.parametrize("temperature,top_k,top_p", [
    (1.0, None, None), (0.5, 3, None), (1.7, None, 0.8), (0.8, 4, 0.6), (1.0, 2, 0.01)])
def test_one_step_draws_from_the_independent_distribution(reference, temperature, top_k, top_p):
    g = torch.Generator().manual_seed(3)
    logits = _tied_logits(g, 1, 8).float().expand(64, 8)
    row = (logits[0].double() / temperature).tolist()
    kept = _kept_top_k(row, top_k) if top_k else set(range(8))
    masked = [z if i in kept else float("-inf") for i, z in enumerate(row)]
    if top_p is not None:
        kept &= _kept_top_p(masked, top_p)[0]
    probs = torch.tensor([math.exp(z) if i in kept else 0.0 for i, z in enumerate(row)])
    probs = (probs / probs.sum()).float().expand(64, 8)
    ours = reference._next_token(logits, temperature, top_k, top_p,
                                 torch.Generator().manual_seed(9))
    theirs = torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(9))
    assert (ours == theirs).float().mean() >= 0.99
    assert all(int(t) in kept for t in ours[:, 0])


@pytest.mark.parametrize("seed", SEEDS)
def test_correct_loop_of_the_misconception_core_is_the_reference(seed):
    """With no mistake switched on, the variants' core returns what the reference does."""
    namespace = {"generate": decode}
    reference = {"generate": solution_module("text_generation").generate}
    for case in CASES:
        invocation = case.make(case_generator(seed, "text_generation", case.number))
        ours, theirs = execute(namespace, invocation), execute(reference, invocation)
        assert theirs.error is None, case.number
        assert torch.equal(ours.value, theirs.value), case.number
        assert ours.stats == theirs.stats, case.number


@pytest.mark.parametrize("seed", SEEDS)
def test_designed_distributions_keep_their_margins(seed):
    """Every sampled case: expected counts >= 50 and top-k / top-p boundaries well apart."""
    for case in CASES:
        invocation = case.make(case_generator(seed, "text_generation", case.number))
        prompt = invocation.args[0]
        if prompt.shape[0] != DRAWS:
            continue
        settings = settings_of(invocation)
        model = toy_models.build(invocation.model)
        logits = model(prompt[:1])[:, -1, :]
        probs = next_token_probs(logits, settings["temperature"], settings["top_k"],
                                 settings["top_p"])[0]
        assert float(probs[probs > 0].min()) * DRAWS >= 50, case.number
        if settings["top_p"] is not None and settings["top_p"] < 1:
            p = next_token_probs(logits, settings["temperature"], settings["top_k"], None)[0]
            running = p.sort(descending=True).values.cumsum(0)
            assert float((running - settings["top_p"]).abs().min()) >= 0.02, case.number


def test_chi_square_tail_probability():
    """torch.special.gammaincc gives the chi-square survival function the check relies on."""
    def tail(x, df):
        return float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                             torch.tensor(x / 2, dtype=torch.float64)))
    assert tail(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert tail(14.067140449340169, 7) == pytest.approx(0.05, rel=1e-9)
    assert tail(18.475306906582357, 7) == pytest.approx(0.01, rel=1e-9)
