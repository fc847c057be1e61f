"""Misconception references for self_attention (problem 2)."""

import math

import torch

from grader.misconceptions._attention import attention

SYMBOL = "self_attention"


def _causal(seq_len: int, rule: str, device) -> torch.Tensor:
    """(L, L) bool, True where query i may attend to key j under ``rule``."""
    ones = torch.ones(seq_len, seq_len, dtype=torch.bool, device=device)
    if rule == "past":  # j <= i (correct)
        return ones.tril()
    if rule == "strict_past":  # j < i: a token cannot see itself, row 0 sees nothing
        return ones.tril(diagonal=-1)
    if rule == "future":  # j >= i
        return ones.triu()
    raise ValueError(rule)


def _variant(*, transposed=False, divisor=None, rule="past", masked_value=float("-inf"),
             after=None):
    """A self-attention that makes the mistakes switched on by the keywords.

    Args:
        transposed: project with x @ w.T instead of x @ w.
        divisor: f(x, q) -> the divisor of the scores; None means sqrt(Dk).
        rule: the causal rule used when causal=True.
        masked_value: the fill value of blocked scores.
        after: f(out, x) -> what is returned instead of out (extra layers).
    """

    def self_attention(x, w_q, w_k, w_v, causal=False):
        if transposed:
            q, k, v = x @ w_q.T, x @ w_k.T, x @ w_v.T
        else:
            q, k, v = x @ w_q, x @ w_k, x @ w_v
        mask = _causal(x.shape[-2], rule, x.device) if causal else None
        scale = None if divisor is None else divisor(x, q)
        out, _ = attention(q, k, v, mask, scale=scale, masked_value=masked_value)
        return out if after is None else after(out, x)

    return {SYMBOL: self_attention}


def _layer_norm(t: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.layer_norm(t, t.shape[-1:])


VARIANTS = {
    "self_attention.scale_by_model_dim": [
        _variant(divisor=lambda x, q: math.sqrt(x.shape[-1])),
    ],
    "self_attention.causal_excludes_self": [
        _variant(rule="strict_past"),  # row 0 becomes NaN
        _variant(rule="strict_past", masked_value=-1e9),  # row 0 becomes uniform
    ],
    "self_attention.causal_flipped": [
        _variant(rule="future"),
    ],
    "self_attention.weights_transposed": [
        _variant(transposed=True),
    ],
    "self_attention.extra_layers": [
        _variant(after=lambda out, x: out + x),  # residual (runs when Dv == D)
        _variant(after=lambda out, x: _layer_norm(out + x)),  # residual + layer norm
        _variant(after=lambda out, x: _layer_norm(out)),  # layer norm alone
    ],
    "self_attention.no_scale": [
        _variant(divisor=lambda x, q: 1.0),
    ],
}
