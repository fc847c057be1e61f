import torch
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    # attention scores: how much each query matches each key
    scores = torch.matmul(q, k.transpose(-2, -1))
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    weights = F.softmax(scores, dim=-1)
    output = torch.matmul(weights, v)
    return output, weights
