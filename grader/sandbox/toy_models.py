"""Tiny deterministic language models used to test ``generate`` (public code).

A model is built from a plain-data spec that crosses the trust boundary, so the
candidate's child and the trusted side run the very same model. It has no
trained weights: the logits of every position are a row of a fixed table,
chosen by a hash of the tokens the model can see up to that position. That
makes every property of the decoding loop observable:

- the next token depends on the last position only (other positions hash a
  shorter context and pick other rows);
- with ``window=None`` it depends on the whole visible context, so a model fed
  more than ``block_size`` tokens answers differently (it does not refuse, so
  a wrong loop still produces tokens that can be compared);
- each call records statistics (calls, longest input, batch sizes, whether
  autograd was on), which tests use to check the loop itself.

The statistics live on the model object that the submission receives, so a
submission could overwrite them; that would only ever change its own score.
This module must stay free of anything secret: it runs next to candidate code.
"""

from __future__ import annotations

import torch

MAX_RECORDED_CALLS = 64


class ToyModel(torch.nn.Module):
    """Base class: checks the input contract and counts calls.

    Attributes:
        vocab_size: V, the number of logits per position.
        block_size: the longest context the model is meant to see.
    """

    def __init__(self, vocab_size: int, block_size: int):
        super().__init__()
        self.vocab_size = int(vocab_size)
        self.block_size = int(block_size)
        # Unused by the logits; lets `next(model.parameters()).device` work as on a real model.
        self.anchor = torch.nn.Parameter(torch.zeros(()), requires_grad=False)
        self._calls = 0
        self._max_len = 0
        self._grad_enabled_calls = 0
        self._over_length_calls = 0
        self._batch_sizes: list[int] = []
        self._lengths: list[int] = []

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if not isinstance(ids, torch.Tensor) or ids.dtype != torch.int64 or ids.dim() != 2:
            got = f"{ids.dtype} tensor of shape {tuple(ids.shape)}" if isinstance(
                ids, torch.Tensor) else type(ids).__name__
            raise TypeError(f"the model expects a (B, T) int64 tensor of token ids, got {got}")
        if ids.shape[1] == 0:
            raise ValueError("the model needs at least one token per sequence")
        if bool(((ids < 0) | (ids >= self.vocab_size)).any()):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size})")
        B, T = ids.shape  # batch, context length
        self._calls += 1
        self._max_len = max(self._max_len, int(T))
        if len(self._batch_sizes) < MAX_RECORDED_CALLS:
            self._batch_sizes.append(int(B))
            self._lengths.append(int(T))
        if torch.is_grad_enabled():
            self._grad_enabled_calls += 1
        if T > self.block_size:
            self._over_length_calls += 1
        return self.logits(ids)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def stats(self) -> dict:
        return {
            "calls": self._calls,
            "max_len": self._max_len,
            "grad_enabled_calls": self._grad_enabled_calls,
            "over_length_calls": self._over_length_calls,
            "batch_sizes": list(self._batch_sizes),
            "lengths": list(self._lengths),
        }


class TableModel(ToyModel):
    """Logits of position ``t`` are ``table[row_t]``, a hash of the visible context.

    ``row_t = sum_{d=0}^{w-1} mult**d * (ids[t - d] + shift)  mod R`` over the
    positions ``t - d >= 0`` of the input, where ``w = window`` (``None``: the
    whole input) and ``R`` is the number of table rows. Special cases:

    - ``window=1, shift=0`` and ``R = V``: a bigram model, ``logits = table[token]``;
    - ``window=None, mult=1, shift=0``: ``table[(sum of the tokens seen) % R]``.

    Args:
        table: ``(R, V)`` logits, one row per hash value.
        block_size: the longest context the model is meant to see.
        window: how many trailing tokens the hash reads (``None``: all of them).
        mult, shift: hash parameters (``mult > 1`` makes the order matter,
            ``shift > 0`` makes token 0 count).
        dtype: dtype of the returned logits, ``"float32"`` or ``"float64"``.
    """

    def __init__(self, table, block_size: int, window: int | None = None, mult: int = 1,
                 shift: int = 0, dtype: str = "float32"):
        table = torch.as_tensor(table, dtype=torch.float64)
        if table.dim() != 2:
            raise ValueError("table must be (rows, vocab_size)")
        super().__init__(table.shape[1], block_size)
        self.table = table
        self.window = None if window is None else int(window)
        self.mult = int(mult)
        self.shift = int(shift)
        self.dtype = getattr(torch, dtype)

    def rows(self, ids: torch.Tensor) -> torch.Tensor:
        """The table row used at every position: ``(B, T)`` int64."""
        R = self.table.shape[0]
        B, T = ids.shape  # batch, context length
        width = T if self.window is None else min(self.window, T)
        rows = torch.zeros(B, T, dtype=torch.int64)
        weight = 1
        for d in range(width):  # token t - d contributes mult**d * (token + shift)
            rows[:, d:] += weight * ((ids[:, : T - d] + self.shift) % R)
            rows %= R
            weight = weight * self.mult % R
        return rows

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        rows = self.rows(ids.cpu())
        return self.table[rows].to(self.dtype).to(ids.device)  # (B, T, V)


_BUILDERS = {"table": TableModel}


def table_model(table, block_size: int, **options) -> dict:
    """The plain-data spec of a :class:`TableModel` (what an invocation carries)."""
    return {"kind": "table", "table": torch.as_tensor(table, dtype=torch.float64),
            "block_size": int(block_size), **options}


def build(spec: dict) -> ToyModel:
    """Build a model from ``{"kind": name, **kwargs}``."""
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind not in _BUILDERS:
        raise ValueError(f"unknown toy model kind {kind!r}")
    return _BUILDERS[kind](**spec)
