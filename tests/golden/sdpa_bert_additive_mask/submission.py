import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
    if mask is not None:
        # 1.0 where we may attend, 0.0 where we may not, as in BERT's extended attention mask
        extended_mask = (1.0 - mask.to(scores.dtype)) * -10000.0
        scores = scores + extended_mask
    probs = torch.nn.functional.softmax(scores, dim=-1)
    return torch.matmul(probs, v), probs
