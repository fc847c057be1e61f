"""A configurable beam search that can make each catalogued beam-search mistake.

The misconception module of ``beam_search`` builds its variants from
:func:`search` instead of copying a search: each keyword switches on one
mistake (one per catalogued ID, plus placeholder beams, which are not
catalogued but which a hidden case is drawn to expose). With every keyword at
its default it is the search of problems.md
(the project's tests check it against the reference). It keeps hypotheses as
plain Python lists and scores them in Python floats (float64), a different
shape from the reference's tensors: both agree to a few ulps, and on the
winners.

Given a :class:`Trace` it also records, for the hidden cases, how close every
decision it took came to a tie (the score gap at each ranking boundary that
changes the result) and what happened in each row (when hypotheses finished,
whether the row stopped early, how long its winner is). Trusted side only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch


@dataclass
class RowTrace:
    """What the search did in one row of the batch."""

    steps: int = 0  # steps run
    finished_at: list[int] = field(default_factory=list)  # the step each hypothesis finished at
    stopped_early: bool = False  # the finished set filled up before max_new_tokens steps
    winner_length: int = 0  # generated tokens of the winner, eos included
    winner_finished: bool = False  # the winner is a finished hypothesis (not a live beam)


@dataclass
class Trace:
    """Decisive score gaps and per-row events of one search."""

    gaps: list[float] = field(default_factory=list)
    rows: list[RowTrace] = field(default_factory=list)

    @property
    def margin(self) -> float:
        """The smallest gap at any decision (inf when no decision was close to mattering)."""
        return min(self.gaps, default=math.inf)


def _boundary_gap(ranked: list, k: int, gaps: list, relevant=lambda a, b: True) -> None:
    """Record the gap between the k-th and (k+1)-th entries when swapping them would matter."""
    if len(ranked) > k >= 1:
        (score_a, tokens_a), (score_b, tokens_b) = ranked[k - 1][:2], ranked[k][:2]
        if tokens_a != tokens_b and relevant(ranked[k - 1], ranked[k]):  # copies swap harmlessly
            gaps.append(score_a - score_b)


def _log_softmax(logits: list[float]) -> list[float]:
    """log p of each token, in Python floats (float64), the maximum subtracted first."""
    top = max(logits)
    log_total = top + math.log(sum(math.exp(z - top) for z in logits))
    return [z - log_total for z in logits]


def _next_token_scores(model, beams: list[list[int]], add: str) -> list[list[float]]:
    """Per beam, what each next token adds to its score (log-probabilities, float64)."""
    context = torch.tensor([tokens[-model.block_size:] for tokens in beams], dtype=torch.int64)
    logits = model(context)[:, -1, :].double().tolist()  # (N, V) the last position
    log_probs = [_log_softmax(row) for row in logits]
    if add == "probabilities":  # the mistake: probabilities summed instead of log-probabilities
        return [[math.exp(lp) for lp in row] for row in log_probs]
    return log_probs


def _search_row(model, prompt: list[int], max_new_tokens: int, num_beams: int, eos, length_penalty,
                options: dict, gaps: list, row: RowTrace) -> tuple[list[int], float]:
    """One row's search: (generated tokens of the winner, its reported score)."""
    ends_in_eos = (lambda c: c[1][-1] == eos) if eos is not None else (lambda c: False)
    live = [(0.0, list(prompt))] * options["copies"]  # (score, tokens)
    if options["dummy_beams"]:  # num_beams - 1 placeholder copies scored -1e9
        live += [(-1e9, list(prompt))] * (num_beams - 1)
    finished = []  # (score, tokens)
    for step in range(1, max_new_tokens + 1):
        row.steps = step
        candidates = []
        for (score, tokens), added in zip(live, _next_token_scores(model, [t for _, t in live],
                                                                   options["add"])):
            if options["expand"] == "own_best" and step > 1:
                ranked_tokens = sorted(range(len(added)), key=lambda v: -added[v])
                gaps.append(added[ranked_tokens[0]] - added[ranked_tokens[1]])
                choices = ranked_tokens[:1]  # the mistake: one greedy token per beam
            else:
                choices = range(len(added))
            candidates += [(score + added[v], tokens + [v]) for v in choices]
        ranked = sorted(candidates, key=lambda c: -c[0])
        _boundary_gap(ranked, num_beams, gaps, lambda a, b: ends_in_eos(a) or ends_in_eos(b))
        newly_finished = [c for c in ranked[:num_beams] if ends_in_eos(c)]
        finished += newly_finished
        row.finished_at += [step] * len(newly_finished)
        if options["eos_stays_live"]:  # the mistake: finished candidates are extended again
            pool = ranked
        else:
            pool = [c for c in ranked if not ends_in_eos(c)]
        _boundary_gap(pool, num_beams, gaps)
        live = pool[:num_beams]
        if len(finished) >= num_beams or not live:
            row.stopped_early = step < max_new_tokens
            break
    T0 = len(prompt)

    def final(candidate):
        score, tokens = candidate[:2]
        if not options["penalise"]:  # the mistake: raw scores rank and are reported
            return score
        return score / (len(tokens) - T0) ** length_penalty

    competitors = ([(final(c), c[1], True) for c in finished]
                   + [(final(c), c[1], False) for c in live])
    ranked = sorted(competitors, key=lambda c: -c[0])  # stable: finished ones first on a tie
    _boundary_gap(ranked, 1, gaps)
    best_score, best_tokens, best_finished = ranked[0]
    row.winner_length = len(best_tokens) - T0
    row.winner_finished = best_finished
    return best_tokens[T0:], best_score


def search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0, *,
           duplicate_start: bool = False, penalise: bool = True, eos_stays_live: bool = False,
           add: str = "log_probabilities", expand: str = "every_token", dummy_beams: bool = False,
           trace: Trace | None = None):
    """Beam search, correct unless a keyword says otherwise.

    Args:
        duplicate_start: True starts from ``num_beams`` copies of the prompt
            instead of one (``beam.duplicate_start``).
        penalise: False ranks the hypotheses by raw score and reports it
            (``beam.no_length_penalty``).
        eos_stays_live: True keeps an eos candidate among the live beams as well
            as finishing it (``beam.finished_keep_expanding``).
        add: ``"log_probabilities"`` (correct) or ``"probabilities"``
            (``beam.probabilities_added``).
        expand: ``"every_token"`` (correct) or ``"own_best"``: after the first
            step each beam is extended by its own best token only
            (``beam.top1_per_beam``).
        dummy_beams: True starts, as some libraries do, from the prompt plus
            ``num_beams - 1`` copies scored -1e9, which are ranked like real
            beams (not catalogued; the hidden cases make sure a test shows it).
        trace: filled with the decisive gaps and the rows' events when given.
    """
    if num_beams < 1:
        raise ValueError(f"num_beams must be >= 1, got {num_beams}")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    trace = trace if trace is not None else Trace()
    options = {"copies": num_beams if duplicate_start else 1, "penalise": penalise,
               "eos_stays_live": eos_stays_live, "add": add, "expand": expand,
               "dummy_beams": dummy_beams}
    B = prompt.shape[0]
    if max_new_tokens == 0:
        trace.rows += [RowTrace() for _ in range(B)]
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    winners = []
    with torch.no_grad():
        for tokens in prompt.tolist():
            row = RowTrace()
            winners.append(_search_row(model, tokens, max_new_tokens, num_beams, eos_token_id,
                                       length_penalty, options, trace.gaps, row))
            trace.rows.append(row)
    n_max = max(len(tokens) for tokens, _ in winners)
    sequences = [prompt_row + tokens + [eos_token_id] * (n_max - len(tokens))
                 for prompt_row, (tokens, _) in zip(prompt.tolist(), winners)]
    return (torch.tensor(sequences, dtype=torch.int64),
            torch.tensor([score for _, score in winners], dtype=torch.float64))
