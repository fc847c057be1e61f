"""A tiny character-level Transformer for the text-generation figure of the study site.

The site shows, step by step, which characters a model considers next and how
likely each one is. Any real language model would be far too large to ship, so
the project trains its own: one causal self-attention block over characters,
trained in a few seconds on CPU on a short text we wrote
(``data/charmodel_corpus.txt``) by ``charmodel_train.py``. The weights file is
loaded with ``torch.load(weights_only=True)``, so it can only hold tensors and
plain data.

It follows the same model contract as the text-generation problem:
``model(ids)`` maps ``(B, T)`` int64 ids to ``(B, T, V)`` logits and
``model.block_size`` is the longest context it accepts.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

DATA_DIR = Path(__file__).resolve().parent / "data"
CORPUS_PATH = DATA_DIR / "charmodel_corpus.txt"
WEIGHTS_PATH = DATA_DIR / "charmodel.pt"


class CharTransformer(nn.Module):
    """Embedding + learned positions, one pre-norm Transformer block, a linear head."""

    def __init__(self, vocab: str, *, block_size: int = 32, d_model: int = 48, n_heads: int = 4):
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.vocab = vocab
        self.block_size = block_size
        self.d_model = d_model
        self.n_heads = n_heads
        V = len(vocab)
        self.tok = nn.Embedding(V, d_model)
        self.pos = nn.Embedding(block_size, d_model)
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, V)
        causal = torch.tril(torch.ones(block_size, block_size, dtype=torch.bool))
        self.register_buffer("causal", causal, persistent=False)

    def config(self) -> dict:
        return {"vocab": self.vocab, "block_size": self.block_size, "d_model": self.d_model,
                "n_heads": self.n_heads}

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape  # batch, time, channels
        hs = C // self.n_heads
        q, k, v = self.qkv(x).split(C, dim=-1)  # each (B, T, C)
        q = q.view(B, T, self.n_heads, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_heads, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_heads, hs).transpose(1, 2)  # (B, nh, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # (B, nh, T, T)
        scores = scores.masked_fill(~self.causal[:T, :T], float("-inf"))
        y = torch.softmax(scores, dim=-1) @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        return self.proj(y)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        if T > self.block_size:
            raise ValueError(f"context of {T} tokens is longer than block_size={self.block_size}")
        x = self.tok(ids) + self.pos(torch.arange(T, device=ids.device))  # (B, T, C)
        x = x + self.attention(self.ln1(x))
        x = x + self.ff(self.ln2(x))
        return self.head(self.ln_f(x))  # (B, T, V)

    def encode(self, text: str) -> torch.Tensor:
        """``text`` -> (1, len) int64 ids; characters outside the vocabulary are dropped."""
        index = {ch: i for i, ch in enumerate(self.vocab)}
        return torch.tensor([[index[ch] for ch in text if ch in index]], dtype=torch.int64)

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in ids)


def vocabulary(text: str) -> str:
    return "".join(sorted(set(text)))


def load(path: Path = WEIGHTS_PATH) -> CharTransformer:
    """The trained model, in eval mode."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    config = saved["config"]
    model = CharTransformer(config["vocab"], block_size=config["block_size"],
                            d_model=config["d_model"], n_heads=config["n_heads"])
    model.load_state_dict(saved["state_dict"], strict=True)
    return model.eval()
