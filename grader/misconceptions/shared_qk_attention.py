"""Misconception references for shared_qk_attention.

Each variant computes the allowed keys with :func:`_allowed` and runs the shared
attention core; the keywords switch on exactly one catalogued mistake.
"""

import torch

from grader.misconceptions._attention import attention


def _allowed(mask, length, device, *, exclude_self, fallback):
    """Which keys each query may attend to: None (all of them) or a bool tensor."""
    if not exclude_self:
        return mask
    itself = torch.eye(length, dtype=torch.bool, device=device)  # (L, L)
    others = ~itself if mask is None else mask & ~itself
    if not fallback:
        return others  # a row with no other key is left with nothing
    return torch.where(others.any(dim=-1, keepdim=True), others, itself)


def _variant(*, key_is_input=False, honour_exclude=True, scale=None, normalise_keys=False):
    def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
        q = x @ w_qk
        k = x if key_is_input else q  # key_is_input: w_qk used for the queries only
        if normalise_keys:  # the Reformer's code: every key divided by its length
            k = torch.nn.functional.normalize(k, dim=-1)
        exclude = exclude_self and honour_exclude
        allowed = _allowed(mask, x.shape[-2], x.device, exclude_self=exclude, fallback=True)
        return attention(q, k, x @ w_v, allowed, scale=scale)[0]

    return {"shared_qk_attention": shared_qk_attention}


def _no_fallback_nan(x, w_qk, w_v, mask=None, exclude_self=False):
    # -inf on every key of a row: the softmax of that row is nan.
    q = x @ w_qk
    allowed = _allowed(mask, x.shape[-2], x.device, exclude_self=exclude_self, fallback=False)
    return attention(q, q, x @ w_v, allowed)[0]


def _no_fallback_uniform(x, w_qk, w_v, mask=None, exclude_self=False):
    # A finite fill such as -1e9 on every key of a row makes that row uniform over all L keys.
    q, v = x @ w_qk, x @ w_v
    allowed = _allowed(mask, x.shape[-2], x.device, exclude_self=exclude_self, fallback=False)
    _, weights = attention(q, q, v, allowed)
    if allowed is not None:
        empty = ~allowed.any(dim=-1, keepdim=True)
        weights = torch.where(empty, torch.full_like(weights, 1.0 / x.shape[-2]), weights)
    return weights @ v


VARIANTS = {
    "shared_qk.separate_projections_ignored": [_variant(key_is_input=True)],
    "shared_qk.self_not_excluded": [_variant(honour_exclude=False)],
    "shared_qk.no_fallback": [
        {"shared_qk_attention": _no_fallback_nan},
        {"shared_qk_attention": _no_fallback_uniform},
    ],
    "shared_qk.no_scale": [_variant(scale=1.0)],
    "shared_qk.keys_normalised": [
        _variant(normalise_keys=True),  # unit-length keys, scores still divided by √Dk
        _variant(normalise_keys=True, scale=1.0),  # unit-length keys and no other scale
    ],
}
