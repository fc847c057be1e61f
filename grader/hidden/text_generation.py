"""Hidden cases for text_generation (problem 6).

Greedy decoding is deterministic, so it is compared with the reference token
for token. Sampling is judged by its properties, computed here from the toy
model itself (never from the reference's draws), in float64:

- support: every sampled token is allowed by temperature, top-k and top-p given
  the row's own prefix (a small tolerance keeps float32 rounding at a boundary
  from counting against anyone; the designed distributions keep every boundary
  at least 0.02 away from top_p);
- distribution: a large batch of identical prompts and ``max_new_tokens=1``
  gives thousands of independent draws from one known distribution in one call,
  and a chi-square goodness-of-fit test rejects at p < 1e-6. Every expected count
  is at least 50, so the chi-square approximation holds; a solution sampling
  from the right distribution fails a case with probability about 1e-6, and one
  that draws exactly as the contract says (``torch.multinomial`` on the (B, V)
  probabilities with the given generator) makes the same draws as the reference,
  which passes at every seed the project tests. The critical values are about
  24 (one degree of freedom) to 41 (seven); the catalogued mistakes score
  chi-square statistics in the hundreds or thousands.
- determinism: under one generator seed the candidate must draw what the
  reference draws (at least 99% of rows identical; float rounding in a
  differently ordered but correct softmax flips a draw with probability ~1e-7).
  This is what the contract's exact drawing call buys: ``torch.multinomial``
  with one sample draws ``argmax(probs / E)`` with E exponential noise from the
  generator, so a row's draw depends only on the generator and that row's
  probabilities, however correctly they were computed.

For diagnosis, sampled outcomes agree when at least 95% of the rows generated
the same tokens: a submission that makes a catalogued mistake reproduces that
variant's draws exactly, while each mistake changes at least 10% of the rows in
the cases it fails (measured at several seeds).

The loop itself is checked through the toy model's call statistics: the context
never exceeds ``block_size``, one call per step for the whole batch, autograd
off. Invalid arguments (``temperature < 0``, ``top_k < 1``, ``top_p`` outside
(0, 1]) are not tested: problems.md gives the valid ranges but no behaviour
outside them, so a ValueError is recommended, not required.
"""

from __future__ import annotations

import torch

from grader.cases import Case, generate_call
from grader.checks import (Check, CheckContext, Verdict, all_of, batch_rows_agree, describe,
                           exception_verdict, error_message, match_reference)
from grader.sandbox import toy_models
from grader.sandbox.messages import Invocation, Outcome

SYMBOL = "generate"
V = 8  # vocabulary size of the toy models
DRAWS = 4000  # rows of identical prompts in a distribution case
P_VALUE = 1e-6  # chi-square rejection level
SAME_ROWS = 0.99  # determinism: fraction of rows that must equal the reference's
SIMILAR = 0.95  # diagnosis: fraction of rows whose generated tokens must agree


# ----------------------------------------------------------------------------- models

def _random_table(rng, rows, vocab=V, scale=1.5):
    return torch.randn(rows, vocab, generator=rng, dtype=torch.float64) * scale


def _context_model(rng, block_size, rows=13):
    """The next token depends on the order of every visible token (a hash of the context)."""
    return toy_models.table_model(_random_table(rng, rows), block_size, window=None, mult=3, shift=1)


def _tied_model(rng, block_size, rows=11):
    """Every row's maximum is shared by two or three tokens."""
    table = _random_table(rng, rows)
    for r in range(rows):
        tied = torch.randperm(V, generator=rng)[: 2 + r % 2]
        table[r, tied] = table[r].max() + 0.5
    return toy_models.table_model(table, block_size, window=None, mult=3, shift=1)


def _chain_model(rng, successor, block_size=32):
    """A bigram model whose most likely next token is ``successor[token]``."""
    table = _random_table(rng, V, scale=0.5)
    table[torch.arange(V), torch.tensor(successor)] = table.max() + 1.0
    return toy_models.table_model(table, block_size, window=1)


def _designed(rng, probs, temperature=1.0, ties=()):
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


def _sampling_setup(rng, logits, draws=DRAWS, block_size=8):
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


# ----------------------------------------------------------------------------- expected values

def _filtered_probs(logits, temperature, top_k, top_p, slack=0.0):
    """float64 next-token probabilities (B, V) under the contract; 0 outside top-k / nucleus.

    ``slack`` > 0 widens both filters slightly (a superset), for support checks.
    """
    logits = logits.double()
    if temperature == 0:
        keep = logits == logits.max(-1, keepdim=True).values
        return keep.double() / keep.sum(-1, keepdim=True)
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth - slack, float("-inf"))
    if top_p is not None and top_p < 1:
        probs = torch.softmax(logits, -1)
        sorted_probs = probs.sort(-1, descending=True).values
        n_keep = ((sorted_probs.cumsum(-1) < top_p + slack).sum(-1, keepdim=True) + 1).clamp(
            max=logits.shape[-1])
        logits = logits.masked_fill(probs < sorted_probs.gather(-1, n_keep - 1) - slack,
                                    float("-inf"))
    return torch.softmax(logits, -1)


def _settings(inv: Invocation) -> dict:
    kwargs = inv.kwargs
    return {"temperature": kwargs.get("temperature", 1.0), "top_k": kwargs.get("top_k"),
            "top_p": kwargs.get("top_p"), "eos": kwargs.get("eos_token_id")}


# ----------------------------------------------------------------------------- checks

def _tokens_problem(ctx: CheckContext) -> Verdict | None:
    """A failing verdict unless the output is (B, T0 + steps) int64 that starts with the prompt."""
    if ctx.candidate.error:
        return exception_verdict(ctx.candidate.error)
    if ctx.candidate.mutated:
        return Verdict(False, "modified the prompt in place; build a new tensor (torch.cat)")
    prompt, max_new = ctx.invocation.args[0], ctx.invocation.args[1]
    value = ctx.candidate.value
    B, T0 = prompt.shape
    if not isinstance(value, torch.Tensor) or value.dim() != 2:
        return Verdict(False, f"expected a (B, T0 + steps) tensor of token ids, got {describe(value)}")
    if value.dtype != torch.int64:
        return Verdict(False, f"token ids must be int64, got {describe(value)}")
    if value.shape[0] != B or not T0 <= value.shape[1] <= T0 + max_new:
        return Verdict(False, f"returned shape {tuple(value.shape)}; expected ({B}, T0 + steps) "
                              f"with T0 = {T0} and 0 <= steps <= max_new_tokens = {max_new}")
    if not torch.equal(value[:, :T0], prompt):
        return Verdict(False, "the output must start with the prompt, unchanged")
    vocab = ctx.invocation.model["table"].shape[1]
    if value.numel() and bool(((value < 0) | (value >= vocab)).any()):
        return Verdict(False, f"token ids must lie in [0, {vocab})")
    return None


def tokens_valid() -> Check:
    """The output is int64 (B, T0 + steps), starts with the prompt, steps <= max_new_tokens."""

    def check(ctx: CheckContext) -> Verdict:
        return _tokens_problem(ctx) or Verdict(True, "token ids of the right shape and dtype")

    return check


def loop_stats(*, crop=False, one_call=False, no_grad=False) -> Check:
    """The model was fed at most block_size tokens / called once per step with the
    whole batch / called with autograd off (from the toy model's statistics)."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        stats = ctx.candidate.stats or {}
        block_size = ctx.invocation.model["block_size"]
        B, T0 = ctx.invocation.args[0].shape
        steps = ctx.candidate.value.shape[1] - T0
        if crop and stats.get("over_length_calls", 0):
            return Verdict(False, f"the model was fed {stats['max_len']} tokens but its block_size "
                                  f"is {block_size}: feed only the last block_size tokens")
        if crop and stats.get("calls") == steps:  # lengths are recorded call by call
            for step, length in enumerate(stats.get("lengths", ())):
                available = min(T0 + step, block_size)
                if length < available:
                    return Verdict(False, f"at step {step + 1} the model saw {length} tokens although "
                                          f"{available} were available (block_size {block_size}): "
                                          "feed the last block_size tokens, not fewer")
        if one_call and stats.get("calls") != steps:
            return Verdict(False, f"the model was called {stats.get('calls')} times for {steps} "
                                  "generated tokens: call it exactly once per step")
        if one_call and any(b != B for b in stats.get("batch_sizes", ())):
            return Verdict(False, f"the model was called with batch sizes "
                                  f"{sorted(set(stats['batch_sizes']))} instead of the whole batch "
                                  f"({B}): one call per step for all sequences together")
        if no_grad and stats.get("grad_enabled_calls"):
            return Verdict(False, f"{stats['grad_enabled_calls']} model calls ran with autograd on: "
                                  "decode under torch.no_grad()")
        return Verdict(True, "the decoding loop called the model as required")

    return check


def eos_rules() -> Check:
    """After eos a row produces only eos; decoding stops right after the last row finishes."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        eos = _settings(ctx.invocation)["eos"]
        prompt, max_new = ctx.invocation.args[0], ctx.invocation.args[1]
        generated = ctx.candidate.value[:, prompt.shape[1]:]  # (B, steps)
        steps = generated.shape[1]
        is_eos = generated == eos
        finished_at = []
        for row in range(generated.shape[0]):
            hits = is_eos[row].nonzero()
            if len(hits) == 0:
                finished_at.append(None)
                continue
            first = int(hits[0])
            if not bool(is_eos[row, first:].all()):
                return Verdict(False, f"row {row} generated eos and then other tokens: a finished "
                                      "sequence must keep producing eos")
            finished_at.append(first)
        if all(f is not None for f in finished_at):
            if steps != max(finished_at) + 1:
                return Verdict(False, f"every row had generated eos after {max(finished_at) + 1} "
                                      f"steps, but decoding went on to {steps}: stop once all "
                                      "sequences are finished")
        elif steps != max_new:
            return Verdict(False, f"stopped after {steps} of {max_new} steps although some rows "
                                  "never generated eos")
        return Verdict(True, "eos handled as required")

    return check


def _model_and_ids(ctx: CheckContext):
    model = toy_models.build(ctx.invocation.model)
    return model, ctx.candidate.value


def in_support() -> Check:
    """Every generated token has positive probability given the row's own prefix."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        settings = _settings(ctx.invocation)
        model, ids = _model_and_ids(ctx)
        T0 = ctx.invocation.args[0].shape[1]
        finished = torch.zeros(ids.shape[0], dtype=torch.bool)
        for t in range(T0, ids.shape[1]):
            with torch.no_grad():
                logits = model(ids[:, max(0, t - model.block_size):t])[:, -1, :]
            probs = _filtered_probs(logits, settings["temperature"], settings["top_k"],
                                    settings["top_p"], slack=1e-6)
            token = ids[:, t]
            allowed = probs.gather(-1, token.unsqueeze(-1))[:, 0] > 0
            bad = ~(allowed | finished)
            if bool(bad.any()):
                row = int(bad.nonzero()[0])
                return Verdict(False, f"row {row}, step {t - T0 + 1}: sampled token {int(token[row])}, "
                                      "which temperature / top_k / top_p should have removed "
                                      f"({int(bad.sum())} such draws at this step)")
            if settings["eos"] is not None:
                finished |= token == settings["eos"]
        return Verdict(True, "every sampled token is inside the top-k set and the nucleus")

    return check


def chi_square(*, p_value: float = P_VALUE) -> Check:
    """The first generated token of identical prompts follows the expected distribution."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        settings = _settings(ctx.invocation)
        prompt = ctx.invocation.args[0]
        if ctx.candidate.value.shape[1] <= prompt.shape[1]:
            return Verdict(False, "no token was generated")
        model = toy_models.build(ctx.invocation.model)
        with torch.no_grad():
            logits = model(prompt[:1])[:, -1, :]
        expected = _filtered_probs(logits, settings["temperature"], settings["top_k"],
                                   settings["top_p"])[0]  # (V,)
        tokens = ctx.candidate.value[:, prompt.shape[1]]
        counts = torch.bincount(tokens, minlength=expected.shape[0]).double()
        n = float(counts.sum())
        support = expected > 0
        outside = int(counts[~support].sum())
        if outside:
            return Verdict(False, f"{outside} of {int(n)} draws fell outside the top-k set / nucleus")
        k = int(support.sum())
        if k == 1:
            return Verdict(True, "the single allowed token was always drawn")
        want = n * expected[support]
        statistic = float(((counts[support] - want) ** 2 / want).sum())
        p = float(torch.special.gammaincc(torch.tensor((k - 1) / 2, dtype=torch.float64),
                                          torch.tensor(statistic / 2, dtype=torch.float64)))
        if p < p_value:
            gap = counts - n * expected
            worst = int(gap.abs().argmax())
            how = "too often" if float(gap[worst]) > 0 else "too rarely"
            return Verdict(False, f"the draws do not follow the expected distribution: chi-square "
                                  f"{statistic:.1f} with {k - 1} degrees of freedom (p = {p:.1e}); "
                                  f"token {worst} was drawn {how} ({float(counts[worst] / n):.1%} "
                                  f"of {int(n)} draws)")
        return Verdict(True, f"draws follow the expected distribution (chi-square {statistic:.1f}, "
                             f"{k - 1} degrees of freedom, p = {p:.2f})")

    return check


def same_draws_as_reference(*, fraction: float = SAME_ROWS) -> Check:
    """Under one generator seed the samples are those of the reference."""

    def check(ctx: CheckContext) -> Verdict:
        problem = _tokens_problem(ctx)
        if problem:
            return problem
        got, want = ctx.candidate.value, ctx.expected.value
        if got.shape != want.shape:
            return Verdict(False, f"with the same generator seed the reference generated shape "
                                  f"{tuple(want.shape)}, yours {tuple(got.shape)}")
        same = (got == want).all(-1).double().mean()
        if float(same) < fraction:
            return Verdict(False, f"with the same generator seed only {float(same):.0%} of the rows "
                                  "match the reference's samples: draw once per step with "
                                  "torch.multinomial(probs, 1, generator=generator) on the (B, V) "
                                  "probabilities in vocabulary order")
        return Verdict(True, "the generator decides every draw: same seed, same samples")

    return check


def similar_draws(t0: int, fraction: float = SIMILAR):
    """Diagnosis: two outcomes agree when most rows generated exactly the same tokens."""

    def similar(a: Outcome, b: Outcome) -> bool:
        if a.error or b.error:
            return False
        x, y = a.value, b.value
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor) or x.shape != y.shape:
            return False
        if x.shape[1] <= t0:
            return bool(torch.equal(x, y))
        return float((x[:, t0:] == y[:, t0:]).all(-1).double().mean()) >= fraction

    return similar


# ----------------------------------------------------------------------------- cases

def _prompt(rng, batch, length):
    return torch.randint(0, V, (batch, length), generator=rng)


def _greedy(rng):
    model = _context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 3, 4), 6, temperature=0.0)


def _greedy_ties(rng):
    model = _tied_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 4, 2), 7, temperature=0.0)


def _greedy_ignores_filters(rng):
    model = _context_model(rng, block_size=16)
    model["dtype"] = "float64"
    return generate_call(SYMBOL, model, _prompt(rng, 2, 3), 5, temperature=0.0, top_k=2,
                         top_p=0.3, generator_seed=5)


def _crop(rng):
    model = _context_model(rng, block_size=5)
    return generate_call(SYMBOL, model, _prompt(rng, 2, 3), 8, temperature=0.0)


def _long_prompt(rng):
    model = _context_model(rng, block_size=4)
    return generate_call(SYMBOL, model, _prompt(rng, 3, 9), 4, temperature=0.0)


def _one_call(rng):
    model = _context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 5, 2), 6, temperature=0.0)


def _no_grad(rng):
    model = _context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 2, 2), 3, temperature=0.0)


def _chains(rng):
    """A successor map with eos = 0 in which token i reaches eos after a known number of steps."""
    order = torch.randperm(V - 1, generator=rng).add(1).tolist()  # every token but eos
    successor = [0] * V
    successor[0] = order[0]  # after eos the model would go on (a non-sticky loop shows it)
    for a, b in zip(order, order[1:] + [0]):
        successor[a] = b
    return order, successor


def _eos_stop(rng):
    order, successor = _chains(rng)
    model = _chain_model(rng, successor)
    # order[-1] -> eos in 1 step, order[-3] in 3, order[-5] in 5.
    prompt = torch.tensor([[order[-3]], [order[-1]], [order[-5]]])
    return generate_call(SYMBOL, model, prompt, 9, temperature=0.0, eos_token_id=0)


def _eos_in_prompt(rng):
    order, successor = _chains(rng)
    successor[order[3]] = order[1]  # order[1..3] now cycle: those rows never finish
    model = _chain_model(rng, successor)
    prompt = torch.tensor([[order[-2], 0], [order[5], order[1]], [0, order[-3]]])
    return generate_call(SYMBOL, model, prompt, 7, temperature=0.0, eos_token_id=0)


def _batch_independence(rng):
    order, successor = _chains(rng)
    model = _chain_model(rng, successor)
    a, b = order[1], order[-2]  # row 1 finishes early; rows 0 and 2 must not notice
    return generate_call(SYMBOL, model, torch.tensor([[a, a], [b, b], [a, a]]), 6,
                         temperature=0.0, eos_token_id=0)


def _temperature(rng):
    logits = _designed(rng, [0.45, 0.2, 0.12, 0.08, 0.06, 0.05, 0.02, 0.02], temperature=0.5)
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, temperature=0.5, generator_seed=11)


def _top_k_ties(rng):
    # k = 3 and the 3rd and 4th logits are tied: four tokens stay.
    logits = _designed(rng, [0.3, 0.22, 0.16, 0.16, 0.07, 0.05, 0.03, 0.01], ties=[(2, 3)])
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, top_k=3, generator_seed=12)


def _top_k_whole_vocab(rng):
    logits = _designed(rng, [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03], temperature=1.7)
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, temperature=1.7, top_k=V + 3, generator_seed=13)


def _top_p_boundary(rng):
    # Running totals 0.35, 0.6, 0.8, ...: with top_p = 0.75 the third token crosses and stays.
    logits = _designed(rng, [0.35, 0.25, 0.2, 0.08, 0.05, 0.04, 0.02, 0.01])
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, top_p=0.75, generator_seed=14)


def _top_p_ties(rng):
    # Running totals 0.3, 0.5, 0.7, 0.9: top_p = 0.45 is crossed by the second token, and
    # the third and fourth are tied with it, so four tokens stay.
    logits = _designed(rng, [0.3, 0.2, 0.2, 0.2, 0.04, 0.03, 0.02, 0.01], ties=[(1, 2, 3)])
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, top_p=0.45, generator_seed=15)


def _top_p_one(rng):
    logits = _designed(rng, [0.3, 0.2, 0.15, 0.12, 0.1, 0.07, 0.04, 0.02], temperature=0.5)
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, temperature=0.5, top_p=1.0, generator_seed=16)


def _top_k_then_top_p(rng):
    # After temperature 0.7 and top_k = 4 the renormalised probabilities are
    # 0.4, 0.3, 0.2, 0.1 (running totals 0.4, 0.7, 0.9): top_p = 0.65 keeps two.
    # Before renormalising (0.32, 0.24, ...) it would keep three.
    logits = _designed(rng, [0.32, 0.24, 0.16, 0.08, 0.07, 0.06, 0.04, 0.03], temperature=0.7)
    model, prompt = _sampling_setup(rng, logits)
    return generate_call(SYMBOL, model, prompt, 1, temperature=0.7, top_k=4, top_p=0.65,
                         generator_seed=17)


def _tiny_top_p(rng):
    model = _context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 3, 3), 6, temperature=1.3, top_p=0.01,
                         generator_seed=18)


def _seeded(rng):
    model = _context_model(rng, block_size=6)
    return generate_call(SYMBOL, model, _prompt(rng, 48, 2), 8, temperature=0.6, top_k=6,
                         top_p=0.9, eos_token_id=int(torch.randint(0, V, (1,), generator=rng)),
                         generator_seed=19)


def _zero_steps(rng):
    model = _context_model(rng, block_size=16)
    return generate_call(SYMBOL, model, _prompt(rng, 2, 3), 0, temperature=0.0)


SAMPLED = ("sampling",)
_distribution = all_of(in_support(), chi_square())

CASES = [
    Case("6.1", "greedy decoding, batch of 3", 1.0, _greedy, tags=("greedy",),
         hint="temperature == 0 means argmax of the last position's logits at every step."),
    Case("6.2", "greedy ties: the first index wins", 1.0, _greedy_ties, tags=("greedy",),
         hint="torch.argmax returns the first of several equal maxima; keep that choice."),
    Case("6.3", "greedy ignores top_k and top_p (float64 logits)", 0.5, _greedy_ignores_filters,
         tags=("greedy", "dtype"),
         hint="With temperature 0 there is nothing to sample: take the argmax."),
    Case("6.4", "context cropped to block_size", 1.0, _crop,
         check=all_of(loop_stats(crop=True), match_reference()), tags=("context",),
         hint="Feed the model ids[:, -model.block_size:], never more."),
    Case("6.5", "prompt longer than block_size", 1.0, _long_prompt,
         check=all_of(loop_stats(crop=True), match_reference()), tags=("context",),
         hint="Crop before the very first call too."),
    Case("6.6", "one model call per step for the whole batch", 0.5, _one_call,
         check=all_of(loop_stats(one_call=True), match_reference()), tags=("loop",),
         hint="Call model(ids) once per step on all sequences together, and no other time."),
    Case("6.7", "the model runs under torch.no_grad()", 0.5, _no_grad,
         check=all_of(loop_stats(no_grad=True), match_reference()), tags=("loop",),
         hint="Wrap the decoding loop in `with torch.no_grad():`."),
    Case("6.8", "eos: finished rows repeat eos, decoding stops when all are done", 1.0, _eos_stop,
         check=all_of(eos_rules(), match_reference()), tags=("eos",),
         hint="Keep a per-row 'finished' flag; replace a finished row's token by eos."),
    Case("6.9", "eos in the prompt does not count; unfinished rows run to max_new_tokens", 1.0,
         _eos_in_prompt, check=all_of(eos_rules(), match_reference()), tags=("eos",),
         hint="Only generated tokens finish a sequence."),
    Case("6.10", "batch elements are independent", 0.5, _batch_independence,
         check=all_of(match_reference(), batch_rows_agree([(0, 2)], property_name="batch independence")),
         tags=("invariant", "eos")),
    Case("6.11", "temperature 0.5: distribution of 4000 draws", 1.5, _temperature,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="Divide the logits (not the probabilities) by the temperature before the softmax."),
    Case("6.12", "top_k with a tie at the k-th logit", 1.5, _top_k_ties,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="Keep every logit >= the k-th largest one: ties with it stay."),
    Case("6.13", "top_k larger than the vocabulary, temperature 1.7", 1.0, _top_k_whole_vocab,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="top_k >= V removes nothing (torch.topk needs k <= V)."),
    Case("6.14", "top_p: the token that crosses top_p is kept", 1.5, _top_p_boundary,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="Keep the smallest set of most likely tokens whose probabilities sum to at least top_p."),
    Case("6.15", "top_p: tokens tied with the last kept one are kept", 1.0, _top_p_ties,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="Find the probability of the last token you need, then keep every token at least that likely."),
    Case("6.16", "top_p = 1 keeps every token, temperature 0.5", 1.0, _top_p_one,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED),
    Case("6.17", "top_k, then top_p on the renormalised probabilities", 1.5, _top_k_then_top_p,
         check=_distribution, similar=similar_draws(3), tags=SAMPLED,
         hint="Order: temperature, top_k, then top_p on the softmax of what top_k left."),
    Case("6.18", "a tiny top_p still keeps the most likely token", 1.0, _tiny_top_p,
         check=all_of(tokens_valid(), match_reference()), tags=SAMPLED,
         hint="Never keep fewer than one token: the one that crosses top_p always stays."),
    Case("6.19", "same generator seed, same samples (with eos and cropping)", 1.5, _seeded,
         check=all_of(loop_stats(crop=True), eos_rules(), in_support(), same_draws_as_reference()),
         similar=similar_draws(2), tags=SAMPLED + ("eos", "context"),
         hint="Draw with torch.multinomial(probs, 1, generator=generator), once per step, "
              "on the (B, V) probabilities."),
    Case("6.20", "max_new_tokens = 0 returns the prompt", 0.5, _zero_steps,
         check=all_of(tokens_valid(), match_reference()), tags=("shapes",)),
]
