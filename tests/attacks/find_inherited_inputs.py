"""Looks through every object its process holds for test invocations (the hidden inputs) and
prints the symbols they call: a child should hold its own problem's, never another's."""
import gc

import torch


def _symbols() -> list[str]:
    found = set()
    for obj in gc.get_objects():
        if type(obj).__name__ == "Invocation" and isinstance(getattr(obj, "symbol", None), str):
            found.add(obj.symbol)
    return sorted(found)


print(f"SYMBOLS={','.join(_symbols())}", flush=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    print(f"SYMBOLS={','.join(_symbols())}", flush=True)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
