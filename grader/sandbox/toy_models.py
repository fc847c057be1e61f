"""Tiny deterministic language models used to test ``generate`` (public code).

They are built from a plain-data spec sent across the trust boundary, so the
candidate's child and the trusted side run the very same model. Each model
records how it was called (number of calls, longest context, whether autograd
was on, batch sizes) so that tests can check the decoding loop itself.
"""

from __future__ import annotations

import torch


class ToyModel(torch.nn.Module):
    """Base class: counts calls and checks the input contract."""

    def __init__(self, vocab_size: int, block_size: int):
        super().__init__()
        self.vocab_size = int(vocab_size)
        self.block_size = int(block_size)
        self._calls = 0
        self._max_len = 0
        self._grad_enabled_calls = 0
        self._over_length_calls = 0
        self._batch_sizes: list[int] = []

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if not isinstance(ids, torch.Tensor) or ids.dtype != torch.int64 or ids.dim() != 2:
            raise TypeError("the model expects a (B, T) int64 tensor of token ids")
        self._calls += 1
        self._max_len = max(self._max_len, int(ids.shape[1]))
        self._batch_sizes.append(int(ids.shape[0]))
        if torch.is_grad_enabled():
            self._grad_enabled_calls += 1
        if ids.shape[1] > self.block_size:
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
            "batch_sizes": self._batch_sizes[:64],
        }


class TableModel(ToyModel):
    """Logits of each position are a fixed table row chosen by the context.

    ``row = (sum of the last `window` tokens up to this position * mult + position_weight * t) % rows``.
    With ``window`` >= block_size the next token depends on the whole visible
    context, so feeding more than ``block_size`` tokens changes the answer.
    """

    def __init__(self, table, block_size: int, window: int, mult: int = 1):
        table = torch.as_tensor(table, dtype=torch.float64)
        super().__init__(table.shape[1], block_size)
        self.table = table
        self.window = int(window)
        self.mult = int(mult)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape  # batch, time
        padded = torch.nn.functional.pad(ids, (self.window - 1, 0))
        sums = padded.unfold(1, self.window, 1).sum(-1)  # (B, T)
        rows = (sums * self.mult) % self.table.shape[0]
        return self.table[rows].to(torch.float32)  # (B, T, V)


_BUILDERS = {"table": TableModel}


def build(spec: dict) -> ToyModel:
    """Build a model from ``{"kind": name, **kwargs}``."""
    spec = dict(spec)
    kind = spec.pop("kind")
    return _BUILDERS[kind](**spec)
