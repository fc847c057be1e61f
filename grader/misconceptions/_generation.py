"""A configurable decoding loop that can make each catalogued generation mistake.

The misconception module of ``text_generation`` builds its variants from
:func:`decode` instead of copying the loop: each keyword switches on one
mistake. With every keyword at its default it is the correct loop of
problems.md (temperature, then top-k with ties, then top-p with the boundary
token and its ties, then ``torch.multinomial`` with the given generator); the
filters are the trusted side's one implementation of the contract
(:mod:`grader.hidden.text_generation.sampling`), which the hidden checks use too.
"""

from __future__ import annotations

import torch

from grader.hidden.text_generation.sampling import keep_nucleus, keep_top_k


def _drop_crossing_token(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """The mistake: drop every token whose running total passes top_p, the crossing one too.

    The most likely token is kept so that something is left to draw.
    """
    probs = torch.softmax(logits, dim=-1)  # (B, V)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)  # (B, V) each
    drop_sorted = sorted_probs.cumsum(-1) > top_p
    drop_sorted[:, 0] = False
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back in vocabulary order
    return logits.masked_fill(drop, float("-inf"))


def decode(model, prompt, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
           eos_token_id=None, generator=None, *, crop: bool = True,
           temperature_on: str = "logits", nucleus_boundary: bool = True,
           eos: str = "sticky", position: int | str = -1):
    """The decoding loop, correct unless a keyword says otherwise.

    Args:
        crop: False feeds the whole sequence, however long (``gen.no_context_crop``).
        temperature_on: ``"logits"`` (correct) or ``"probs"``: the probabilities
            are divided by the temperature after the softmax, which the draw
            renormalises away (``gen.temperature_after_softmax``).
        nucleus_boundary: False drops the token that crosses ``top_p``
            (``gen.top_p_excludes_boundary``).
        eos: ``"sticky"`` (correct); ``"stop_only"`` remembers finished rows only
            to stop, and lets them go on producing tokens; ``"same_step"``
            stops only when every row produces eos at the same step
            (``gen.eos_not_sticky``).
        position: the position whose logits are used; -1 is correct, 0 is the
            first position, ``"mean"`` the average over every position
            (``gen.whole_sequence_logits``).
    """
    ids = prompt.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            context = ids[:, -model.block_size:] if crop else ids
            every = model(context)  # (B, T, V)
            logits = every.mean(dim=1) if position == "mean" else every[:, position, :]
            if temperature == 0:
                next_token = logits.argmax(dim=-1, keepdim=True)
            else:
                if temperature_on == "logits":
                    logits = logits / temperature
                if top_k is not None:
                    logits = keep_top_k(logits, top_k)
                if top_p is not None and top_p < 1:
                    nucleus = keep_nucleus if nucleus_boundary else _drop_crossing_token
                    logits = nucleus(logits, top_p)
                probs = torch.softmax(logits, dim=-1)
                if temperature_on == "probs":
                    probs = probs / temperature
                next_token = torch.multinomial(probs, 1, generator=generator)
            if eos_token_id is not None:
                produced = next_token[:, 0] == eos_token_id
                if eos == "sticky":
                    next_token = next_token.masked_fill(finished.unsqueeze(-1), eos_token_id)
                    produced = next_token[:, 0] == eos_token_id
                if eos == "same_step":
                    finished = produced
                else:
                    finished = finished | produced
            ids = torch.cat([ids, next_token], dim=1)
            if eos_token_id is not None and bool(finished.all()):
                break
    return ids
