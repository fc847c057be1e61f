"""Next-token distributions of the toy models, computed once per distinct context in a run.

Every student of a class gets the same hidden inputs, and a correct sampler
draws the same tokens from the same generator seed, so most submissions make
the checks ask for the very same distributions. They are kept here by content
(a digest of the model's spec, the sampling settings and the context's tokens
as bytes), so a class pays one forward pass of the toy model per distinct
context instead of one per submission. The tokens are a key as they are, not
digested: a dictionary compares keys in full, and digesting every lookup's
context took about a tenth of judging a right answer (0.3-0.8 ms of 5-6).

Trusted side only. The contexts come from candidate output, the values are the
grader's own computation; at most ``MAX_ENTRIES`` are kept (least recently used
go first), so a hostile answer can cost time but cannot grow the memory.
Returned tensors are shared: callers must not change them in place.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import torch

from grader.hidden.text_generation.sampling import next_token_probs
from grader.sandbox import toy_models

MAX_ENTRIES = 4096
MAX_MODELS = 32

_lock = threading.Lock()
_distributions: OrderedDict[tuple, tuple[torch.Tensor, torch.Tensor]] = OrderedDict()
_models: OrderedDict[bytes, toy_models.ToyModel] = OrderedDict()
_spec_keys: OrderedDict[int, tuple[dict, bytes]] = OrderedDict()  # id -> (the spec itself, its digest)


def _digest(*parts) -> bytes:
    """A digest of plain values and tensors (dtype, shape and bytes)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, torch.Tensor):
            part = part.detach().cpu().contiguous()
            h.update(f"T{part.dtype}{tuple(part.shape)}".encode())
            h.update(part.numpy().tobytes())
        elif isinstance(part, dict):
            h.update(b"{")
            for name in sorted(part):
                h.update(_digest(name, part[name]))
            h.update(b"}")
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.digest()


def _remember(store: OrderedDict, key, value, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


def _spec_key(spec: dict) -> bytes:
    """The digest of a model's spec, computed once per spec object (a spec lives as long as its suite)."""
    known = _spec_keys.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    key = _digest(spec)
    _remember(_spec_keys, id(spec), (spec, key), MAX_MODELS)
    return key


def _model(spec_key: bytes, spec: dict) -> toy_models.ToyModel:
    model = _models.get(spec_key)
    if model is None:
        model = toy_models.build(spec)
        _remember(_models, spec_key, model, MAX_MODELS)
    return model


def _lookup_key(spec_key: bytes, context: torch.Tensor, settings: dict, slack: float) -> tuple:
    """What one lookup is kept under: the context's dtype, shape and bytes, the settings, the slack."""
    tokens = context.detach().cpu().contiguous()
    return (spec_key, str(tokens.dtype), tuple(tokens.shape), tokens.numpy().tobytes(),
            settings["temperature"], settings["top_k"], settings["top_p"], slack)


def next_distribution(spec: dict, context: torch.Tensor, settings: dict, *,
                      slack: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(logits, probs)`` of the next token after each row of ``context`` ((B, T) int64).

    ``settings``: temperature, top_k and top_p (as in :func:`settings_of`);
    ``probs`` is float64 (B, V), 0 outside what the settings keep.
    """
    with _lock:
        spec_key = _spec_key(spec)
        key = _lookup_key(spec_key, context, settings, slack)
        hit = _distributions.get(key)
        if hit is not None:
            _distributions.move_to_end(key)
            return hit
        model = _model(spec_key, spec)
        with torch.no_grad():
            logits = model(context)[:, -1, :]
        probs = next_token_probs(logits, settings["temperature"], settings["top_k"], settings["top_p"],
                                 slack=slack)
        _remember(_distributions, key, (logits, probs), MAX_ENTRIES)
        return logits, probs
