"""Raises, test after test, exceptions whose classes the child's own bookkeeping must not trust: a
ValueError subclass with a 130-character name, one named like the sandbox's memory sentinel, one
whose metaclass makes reading ``__name__`` raise, one whose metaclass makes ``__mro__`` raise and
hashing fail, one named with terminal controls and markup, and one whose ``__traceback__`` and
``__str__`` raise; correct answers afterwards. Each is its own test's feedback, with the built-in
classes it derives from, never the child's failure."""
import math

import torch

LONG = "Overlong" + "Name" * 30 + "Error"


class Nameless(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name")


class Orderless(type):
    @property
    def __mro__(cls):
        raise RuntimeError("no order")

    def __hash__(cls):
        raise RuntimeError("no hash")


class Untraceable(ValueError):
    @property
    def __traceback__(self):
        raise RuntimeError("no traceback")

    def __str__(self):
        raise RuntimeError("no message")


RAISED = [
    type(LONG, (ValueError,), {}),
    type("MemoryLimitExceeded", (ValueError,), {}),
    Nameless("NamelessError", (ValueError,), {}),
    Orderless("OrderlessError", (KeyError,), {}),
    type("\x1b[2J<b>Evil</b>", (TypeError,), {}),
    Untraceable,
]
_calls = [0]


def scaled_dot_product_attention(q, k, v, mask=None):
    _calls[0] += 1
    if _calls[0] <= len(RAISED):
        raise RAISED[_calls[0] - 1]("raised on purpose")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v, torch.softmax(scores, dim=-1)
