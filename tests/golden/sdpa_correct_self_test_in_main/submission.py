import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.size(-1)
    logits = torch.matmul(q, k.transpose(-1, -2)).div(math.sqrt(d))
    blocked = torch.full_like(logits, float("-inf"))
    probs = (logits if mask is None else torch.where(mask, logits, blocked)).softmax(-1)
    return torch.matmul(probs, v), probs


if __name__ == "__main__":
    q, k, v = (torch.randn(2, 5, 8) for _ in range(3))
    mine, _ = scaled_dot_product_attention(q, k, v)
    print("same as torch:", torch.allclose(mine, F.scaled_dot_product_attention(q, k, v), atol=1e-6))
