"""The next-token filter of problem 6's contract: temperature, top-k, top-p (trusted side only).

One implementation serves the whole trusted side: the hidden checks judge
sampled tokens against it (in float64, with a little slack at the boundaries)
and the misconception references draw with it (in the logits' dtype, so that a
correct loop makes exactly the reference's draws). The reference solution keeps
its own copy on purpose: learners read it on the study site as one standalone
file.

With ``slack = 0`` the functions compute what the contract says:

- top-k keeps every logit at least as large as the k-th largest of its row
  (ties with it stay; ``k >= V`` keeps everything);
- top-p keeps, from the softmax of what is left, the smallest set of most likely
  tokens whose probabilities reach ``top_p``, with every token tied with the
  least likely of them (never fewer than one, never more than ``V``: a float32
  running total may stay just below a ``top_p`` close to 1);
- ``top_p = 1`` keeps every token, whatever the rounding of a running sum.

``slack > 0`` widens both filters a little (a superset), so that float rounding
at a boundary never counts against a submission.
"""

from __future__ import annotations

import torch


def keep_top_k(logits: torch.Tensor, k: int, *, slack: float = 0.0) -> torch.Tensor:
    """Set to -inf every logit of a (B, V) row below its k-th largest (ties stay)."""
    kth = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[:, -1:]  # (B, 1)
    return logits.masked_fill(logits < kth - slack, float("-inf"))


def keep_nucleus(logits: torch.Tensor, top_p: float, *, slack: float = 0.0) -> torch.Tensor:
    """Set to -inf every logit of a (B, V) row outside its nucleus (the crossing token stays)."""
    probs = torch.softmax(logits, dim=-1)  # (B, V)
    sorted_probs = torch.sort(probs, dim=-1, descending=True).values  # (B, V)
    below = sorted_probs.cumsum(dim=-1) < top_p + slack  # running totals still short of top_p
    n_keep = (below.sum(dim=-1, keepdim=True) + 1).clamp(max=logits.shape[-1])  # (B, 1)
    smallest_kept = sorted_probs.gather(-1, n_keep - 1)  # (B, 1)
    return logits.masked_fill(probs < smallest_kept - slack, float("-inf"))


def filter_logits(logits: torch.Tensor, temperature: float, top_k: int | None = None,
                  top_p: float | None = None, *, slack: float = 0.0) -> torch.Tensor:
    """Temperature (> 0), then top-k, then top-p, on (B, V) logits."""
    logits = logits / temperature
    if top_k is not None:
        logits = keep_top_k(logits, top_k, slack=slack)
    if top_p is not None and top_p < 1:
        logits = keep_nucleus(logits, top_p, slack=slack)
    return logits


def next_token_probs(logits: torch.Tensor, temperature: float, top_k: int | None = None,
                     top_p: float | None = None, *, slack: float = 0.0) -> torch.Tensor:
    """The float64 (B, V) distribution of the next token; 0 outside top-k and the nucleus.

    Greedy decoding (``temperature == 0``) spreads the mass evenly over the tied
    maxima, so that a check can ask "was this token allowed?" of every setting.
    """
    logits = logits.double()
    if temperature == 0:
        best = logits == logits.max(dim=-1, keepdim=True).values  # (B, V)
        return best.double() / best.sum(dim=-1, keepdim=True)
    return torch.softmax(filter_logits(logits, temperature, top_k, top_p, slack=slack), dim=-1)
