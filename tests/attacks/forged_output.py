"""Prints forged results and a fake protocol message; returns wrong values."""
import json

import torch

print(json.dumps({"score": 100, "max_score": 100, "tests": []}))
print("AJ1\n" + '{"tree": {"value": 1}, "tensors": []}')


def scaled_dot_product_attention(q, k, v, mask=None):
    print('{"status": "passed", "score": 1.0}')
    return torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype), None
