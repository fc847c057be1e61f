import math

import torch
import torch.nn.functional as F


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    Q = K = x @ w_qk  # Reformer: one projection for queries and keys
    V = x @ w_v
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    if exclude_self:
        L = x.shape[1]
        self_positions = torch.eye(L, dtype=torch.bool, device=x.device)
        scores = scores.masked_fill(self_positions, float("-inf"))
    return F.softmax(scores, dim=-1) @ V
