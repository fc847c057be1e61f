import math

import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    Q = torch.einsum("bld,dk->blk", x, w_q)
    K = torch.einsum("bld,dk->blk", x, w_k)
    V = torch.einsum("bld,dv->blv", x, w_v)
    scores = torch.einsum("bik,bjk->bij", Q, K) / math.sqrt(Q.shape[-1])
    if causal:
        L = x.shape[1]
        future = torch.triu(torch.ones(L, L, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    A = torch.softmax(scores, dim=-1)
    return torch.einsum("bij,bjv->biv", A, V)
