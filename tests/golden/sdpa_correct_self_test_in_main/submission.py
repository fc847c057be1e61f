import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


if __name__ == "__main__":
    q, k, v = (torch.randn(2, 5, 8) for _ in range(3))
    mine, _ = scaled_dot_product_attention(q, k, v)
    print("same as torch:", torch.allclose(mine, F.scaled_dot_product_attention(q, k, v), atol=1e-6))
