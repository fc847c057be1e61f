"""Reference solution: beam search.

Every row of the prompt x is searched on its own. A hypothesis y = (y_1, ..., y_n)
generated after x has the score

    s(y) = sum_{t=1..n} log p(y_t | x, y_<t),   p = softmax(last-position logits), in float64

and the final score  s(y) / n ** length_penalty.

Step 0 holds one live beam, the prompt, with s = 0. At every step:

    candidates  = every live beam extended by every token, scored s + log p
    rank the candidates by score;
    finished   += the candidates among the top num_beams that end in eos (never extended)
    live beams  = the num_beams best candidates that do not end in eos

A row stops after max_new_tokens steps, or as soon as num_beams hypotheses are
finished. The winner is the best final score among the finished hypotheses and
the live beams of the last step (a finished hypothesis wins a tie).
"""

import torch


def _extend(model, beams, scores):
    """Every live beam followed by every token.

    Args:
        model: maps (N, T) int64 ids to (N, T, V) logits.
        beams: (N, T) token ids of the live beams, prompt included.
        scores: (N,) float64 cumulative log-probabilities of the beams.

    Returns:
        candidates (N*V, T+1) and their scores (N*V,), beam by beam, token by token.
    """
    context = beams[:, -model.block_size:]  # (N, <= block_size)
    logits = model(context)[:, -1, :]  # (N, V) the last position only
    log_probs = torch.log_softmax(logits.double(), dim=-1)  # (N, V)
    N, V = log_probs.shape
    candidate_scores = (scores[:, None] + log_probs).reshape(N * V)  # (N*V,)
    parents = beams.repeat_interleave(V, dim=0)  # (N*V, T) each beam V times
    tokens = torch.arange(V, device=beams.device).repeat(N)  # (N*V,) 0..V-1, N times
    candidates = torch.cat([parents, tokens[:, None]], dim=1)  # (N*V, T+1)
    return candidates, candidate_scores


def _select(candidates, scores, num_beams, eos_token_id):
    """Rank the candidates of one step.

    Args:
        candidates: (N*V, T+1) token ids; scores: (N*V,) float64.
        num_beams: how many live beams to keep.
        eos_token_id: None, or the token that finishes a hypothesis.

    Returns:
        finished: list of (sequence, score), the eos candidates among the top num_beams;
        beams (N', T+1) and scores (N',): the num_beams best candidates not ending in eos.
    """
    order = torch.argsort(scores, descending=True, stable=True)  # best first
    if eos_token_id is None:
        ends_in_eos = torch.zeros_like(order, dtype=torch.bool)
    else:
        ends_in_eos = candidates[:, -1] == eos_token_id  # (N*V,)
    finished = [(candidates[i], scores[i]) for i in order[:num_beams] if ends_in_eos[i]]
    live = order[~ends_in_eos[order]][:num_beams]  # fewer when fewer exist
    return finished, candidates[live], scores[live]


def _search_row(model, prompt, max_new_tokens, num_beams, eos_token_id, length_penalty):
    """Beam search from one prompt (T0,); returns (generated tokens (n,), final score)."""
    T0 = prompt.shape[0]
    beams = prompt[None, :]  # (1, T0) one live beam: the prompt
    scores = torch.zeros(1, dtype=torch.float64, device=prompt.device)  # (1,)
    finished = []
    for _ in range(max_new_tokens):
        candidates, candidate_scores = _extend(model, beams, scores)
        done, beams, scores = _select(candidates, candidate_scores, num_beams, eos_token_id)
        finished += done
        if len(finished) >= num_beams or len(beams) == 0:  # no live beams: every token is eos
            break
    hypotheses = finished + list(zip(beams, scores))  # finished ones first: they win ties
    best, best_score = None, None
    for sequence, score in hypotheses:
        n = sequence.shape[0] - T0  # generated tokens, eos included
        final = score / n ** length_penalty
        if best is None or final > best_score:
            best, best_score = sequence[T0:], final
    return best, best_score


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    """Return (sequences (B, T0 + n_max) int64, scores (B,) float64): each row's best hypothesis."""
    if num_beams < 1:
        raise ValueError(f"num_beams must be >= 1, got {num_beams}")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64, device=prompt.device)
    with torch.no_grad():
        winners = [_search_row(model, row, max_new_tokens, num_beams, eos_token_id, length_penalty)
                   for row in prompt]
    n_max = max(tokens.shape[0] for tokens, _ in winners)
    rows = []
    for row, (tokens, _) in zip(prompt, winners):
        if tokens.shape[0] < n_max:  # only a row that had finished hypotheses stops early
            tokens = torch.cat([tokens, tokens.new_full((n_max - tokens.shape[0],), eos_token_id)])
        rows.append(torch.cat([row, tokens]))  # (T0 + n_max,)
    sequences = torch.stack(rows)  # (B, T0 + n_max)
    scores = torch.stack([score for _, score in winners])  # (B,) float64
    return sequences, scores
