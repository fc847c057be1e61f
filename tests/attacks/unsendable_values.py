"""Returns, test after test, values no result can carry: a nested tensor, integers beyond int64
(one too long for Python to print), a list nested 100,000 deep and a tensor subclass whose own code
refuses to be read; correct answers afterwards. Each must cost only its own test, as a value the
submission returned, never the child or a "malformed" verdict."""
import math

import torch


class Refuses(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "numpy":
            raise ValueError("numpy refused")
        return super().__torch_function__(func, types, args, kwargs or {})


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
        return torch.nested.nested_tensor([output[0], output[0][:1]]), weights
    if call == 2:
        return output, 10 ** 5000
    if call == 3:
        return output, 2 ** 63
    if call == 4:
        deep = []
        for _ in range(100_000):
            deep = [deep]
        return deep, weights
    if call == 5:
        return output, weights.as_subclass(Refuses)
    return output, weights
