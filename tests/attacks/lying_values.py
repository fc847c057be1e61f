"""Returns, test after test, values of built-in subclasses that lie about themselves: an int whose
comparisons say it is within int64, a list whose slicing hands back 200,000 items, a str whose
slicing hands back 3,000,000 characters, a list of lists that shares its items until it holds
more than a result may carry, and an exception that claims, by a ``__class__`` property, to be the
sandbox's forbidden-API error; correct answers afterwards. Each must cost only its own test."""
import math

import torch


class Huge(int):
    def __ge__(self, other):
        return True

    def __le__(self, other):
        return True

    def __lt__(self, other):
        return True


class Spilling(list):
    def __getitem__(self, index):
        return [0] * 200_000


class Long(str):
    def __getitem__(self, index):
        return "x" * 3_000_000


class Pretends(Exception):
    name = ["not", "a", "name"]

    @property
    def __class__(self):
        from grader.sandbox.guard import ForbiddenAPIError
        return ForbiddenAPIError


_calls = [0]


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    output = weights @ v
    _calls[0] += 1
    call = _calls[0]
    if call == 1:
        return output, Huge(10 ** 30)
    if call == 2:
        return output, Spilling([1, 2, 3])
    if call == 3:
        return output, Long("short")
    if call == 4:
        shared = [0] * 64
        for _ in range(6):
            shared = [shared] * 64
        return output, shared
    if call == 5:
        raise Pretends("I am the guard")
    return output, weights
